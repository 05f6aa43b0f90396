package io.siplb.core.dispatch;

/** Algorithm 2: hash over the To URI (user, host, non-default port): per callee. */
final class ToUriHashSelector extends HashSelector {
    ToUriHashSelector(SelectorOptions options) {
        super(options.hashMode());
    }

    @Override
    long keyHash(RoutingRequest request) {
        return request.toUri() == null ? NO_KEY : uriHash(request.toUri());
    }
}
