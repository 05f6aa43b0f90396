/**
 * SIP over WebSocket (RFC 7118): the HTTP upgrade of a {@code ws}/{@code wss} listener's
 * connections — subprotocol {@code sip}, Origin allow-list, path — and the frames that carry one
 * SIP message each. The connections themselves are the stream transport's, found by flow.
 */
package io.siplb.transport.ws;
