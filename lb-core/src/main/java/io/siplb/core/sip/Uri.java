package io.siplb.core.sip;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * A URI as SIP carries it: {@link SipUri} for {@code sip:} and {@code sips:}, {@link TelUri} for
 * {@code tel:}, {@link AbsoluteUri} for any other scheme (RFC 3261 §19.1, §25.1; RFC 3966).
 */
public sealed interface Uri permits SipUri, TelUri, AbsoluteUri {

    /** The scheme in lower case: {@code sip}, {@code sips}, {@code tel}, or another. */
    String scheme();

    /** The URI exactly as it was written. */
    String text();

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException naming what is wrong and where, for configuration input
     */
    static Uri parse(String text) {
        Objects.requireNonNull(text, "text");
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try {
            return UriParser.parse(bytes, 0, bytes.length);
        } catch (SyntaxError e) {
            throw new IllegalArgumentException(
                    "invalid URI '" + text + "' at offset " + e.offset() + ": " + e.getMessage());
        }
    }

    /** Parses {@code text}, or returns empty when it is not a URI. */
    static Optional<Uri> tryParse(String text) {
        Objects.requireNonNull(text, "text");
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try {
            return Optional.of(UriParser.parse(bytes, 0, bytes.length));
        } catch (SyntaxError e) {
            return Optional.empty();
        }
    }
}
