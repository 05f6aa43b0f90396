/**
 * HEPv3 capture for Homer and sngrep: {@link io.siplb.transport.capture.HepCapture} takes a copy
 * of every SIP message a lane receives and sends, and a thread of its own encodes it
 * ({@link io.siplb.transport.capture.HepEncoder}) and sends it to the collector; the event loops
 * only copy and queue.
 */
package io.siplb.transport.capture;
