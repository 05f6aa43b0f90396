package io.siplb.core.dispatch;

import java.util.Objects;

/**
 * What the selectors are built with.
 *
 * @param hashMode how the hash algorithms map keys ({@code siplb.dispatch.hash-mode})
 * @param hashHeader the header algorithm 7 hashes ({@code siplb.dispatch.hash-header}), or
 *     {@code null} when that algorithm is not used
 * @param callLoad the call counts algorithm 10 reads and the flow updates
 */
public record SelectorOptions(HashMode hashMode, String hashHeader, CallLoad callLoad) {
    public SelectorOptions {
        Objects.requireNonNull(hashMode, "hashMode");
        Objects.requireNonNull(callLoad, "callLoad");
    }
}
