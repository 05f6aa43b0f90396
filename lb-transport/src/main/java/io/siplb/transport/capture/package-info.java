/**
 * What watches calls from outside the message path. HEPv3 capture for Homer and sngrep:
 * {@link io.siplb.transport.capture.HepCapture} takes a copy of every SIP message a lane receives
 * and sends, and a loop of its own encodes it ({@link io.siplb.transport.capture.HepEncoder}) and
 * sends it to the collector; the event loops only copy and queue. Per lane, a
 * {@link io.siplb.transport.capture.CallRecorder} hears what becomes of each request: the call log,
 * the calls capture by route follows, and the per-destination and per-route meters of
 * {@link io.siplb.transport.capture.CallMeters}. {@link io.siplb.transport.capture.Observation}
 * puts them together as the balancer is configured.
 */
package io.siplb.transport.capture;
