/**
 * The port types every layer shares and none owns: the {@link io.siplb.core.net.Transport} a
 * message travels over, the {@link io.siplb.core.net.Peer} it goes to or came from (address,
 * transport, connection), the {@link io.siplb.core.net.MessageSender} the transport implements,
 * the {@link io.siplb.core.net.AddressResolver} that turns a SIP URI into an address, and
 * {@link io.siplb.core.net.ResponseAddress} (RFC 3261 §18.2.2). Nothing here sends or resolves by
 * itself; {@code io.siplb.transport} implements the interfaces.
 */
package io.siplb.core.net;
