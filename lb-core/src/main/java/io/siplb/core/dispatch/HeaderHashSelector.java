package io.siplb.core.dispatch;

/**
 * Algorithm 7: hash over the value of a configured header ({@code siplb.dispatch.hash-header}),
 * siplb's form of Kamailio's {@code hash_pvar}. Without that header the request goes
 * round-robin, where Kamailio would fail the selection.
 */
final class HeaderHashSelector extends HashSelector {
    private final String header;

    HeaderHashSelector(SelectorOptions options) {
        super(options.hashMode());
        this.header = options.hashHeader();
        if (header == null || header.isBlank()) {
            throw new IllegalArgumentException(
                    "siplb.dispatch.hash-header is required by algorithm 7 (hash-header)");
        }
    }

    @Override
    long keyHash(RoutingRequest request) {
        return textHash(request.header(header));
    }
}
