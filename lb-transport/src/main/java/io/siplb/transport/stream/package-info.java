/**
 * SIP over connections: {@link io.siplb.transport.stream.StreamTransport} binds the TCP, TLS, WS
 * and WSS listeners, accepts connections within their caps, opens TCP and TLS connections toward
 * peers, names each connection by a flow ({@link io.siplb.transport.stream.StreamConnection}),
 * and hands each whole message to the lanes; {@link io.siplb.transport.stream.StreamFramer} cuts
 * a byte stream into messages by Content-Length (RFC 3261 §18.3), {@link
 * io.siplb.transport.stream.TlsContexts} holds the TLS contexts. A transport that frames SIP its
 * own way inside a connection (WebSocket, {@code io.siplb.transport.ws}) plugs in through {@link
 * io.siplb.transport.stream.ConnectionPlug}; this package does not know it.
 */
package io.siplb.transport.stream;
