/**
 * Edge protection (what Kamailio's {@code pike}, {@code permissions} and {@code secfilter}
 * modules do): per-source request rates with bans, scanner User-Agents, bursts of authentication
 * failures. {@link SourceGuard} decides; the transport asks it about every datagram before
 * parsing and tells it what went back to each source.
 */
package io.siplb.transport.protect;
