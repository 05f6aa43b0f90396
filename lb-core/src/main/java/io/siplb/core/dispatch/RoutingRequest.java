package io.siplb.core.dispatch;

import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.Uri;

/**
 * What the selection algorithms read from a request. {@link SipRoutingRequest} adapts a parsed
 * message; tests and benchmarks may supply their own. Absent parts are {@code null}: a hash
 * algorithm whose key is absent falls back to round-robin rather than failing the request.
 */
public interface RoutingRequest {
    SipMethod method();

    /** The Call-ID (algorithms 0 and 10). */
    CharSequence callId();

    /** The From URI (algorithm 1). */
    Uri fromUri();

    /** The To URI (algorithm 2). */
    Uri toUri();

    /** The Request-URI (algorithm 3). */
    Uri requestUri();

    /**
     * The user part of the digest username, from Proxy-Authorization first, then Authorization
     * (algorithm 5).
     */
    CharSequence authUsername();

    /** The trimmed value of the first header named {@code name} (algorithm 7). */
    CharSequence header(String name);
}
