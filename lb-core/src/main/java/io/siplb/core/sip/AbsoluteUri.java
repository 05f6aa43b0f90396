package io.siplb.core.sip;

import java.util.Objects;

/**
 * A URI of a scheme the balancer does not interpret (RFC 3986 absolute-URI), kept as written. As a
 * Request-URI it earns {@code 416 Unsupported URI Scheme} (RFC 3261 §8.2.2.1, RFC 4475 §3.3.2); in
 * To, From or Contact it is legal and passed through (RFC 4475 §3.3.4).
 *
 * @param scheme the scheme in lower case
 * @param text the URI exactly as written
 */
public record AbsoluteUri(String scheme, String text) implements Uri {
    public AbsoluteUri {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(text, "text");
    }

    @Override
    public String toString() {
        return text;
    }
}
