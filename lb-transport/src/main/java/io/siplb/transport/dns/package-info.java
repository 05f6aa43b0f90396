/**
 * Destinations named by host, kept resolved as RFC 3263 says, off the message path: {@link
 * io.siplb.transport.dns.SipResolver} asks NAPTR, then SRV, then A/AAAA on its own DNS loop
 * (Netty's resolver) — a NAPTR that fails or is refused counts as none — re-resolves each name as
 * its answers expire, and hands the dispatcher the targets it found; {@link
 * io.siplb.transport.dns.DnsAddressResolver} answers the proxies from what was resolved, never
 * blocking an event loop; {@link io.siplb.transport.dns.DnsLookup} counts answers and failures by
 * reason for the metrics.
 */
package io.siplb.transport.dns;
