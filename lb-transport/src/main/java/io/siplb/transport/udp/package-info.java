/**
 * UDP reception: the receive-buffer allocator that reads every datagram whole and counts the read
 * batches that found more datagrams waiting. The channels themselves are bound by
 * {@code io.siplb.transport.Balancer}.
 */
package io.siplb.transport.udp;
