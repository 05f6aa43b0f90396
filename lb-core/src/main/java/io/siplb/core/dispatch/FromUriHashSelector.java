package io.siplb.core.dispatch;

/** Algorithm 1: hash over the From URI (user, host, non-default port): per caller. */
final class FromUriHashSelector extends HashSelector {
    FromUriHashSelector(SelectorOptions options) {
        super(options.hashMode());
    }

    @Override
    long keyHash(RoutingRequest request) {
        return request.fromUri() == null ? NO_KEY : uriHash(request.fromUri());
    }
}
