/**
 * The SIP message model: framing a datagram once into a {@link io.siplb.core.sip.SipMessage},
 * typed header values parsed on demand, URIs, the edits a proxy makes and the messages it
 * originates. Bad input is a {@link io.siplb.core.sip.ParseResult.Malformed} value, never an
 * exception. RFC 3261 §7, §8.2.6, §9.1, §16.6, §17.1.1.3, §18.3, §20, §25; RFC 3581; RFC 4475.
 */
package io.siplb.core.sip;
