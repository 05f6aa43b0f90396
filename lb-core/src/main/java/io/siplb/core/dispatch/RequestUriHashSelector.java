package io.siplb.core.dispatch;

/**
 * Algorithm 3: hash over the Request-URI (user, host, non-default port), as Kamailio's code does
 * (its documentation says the user only).
 */
final class RequestUriHashSelector extends HashSelector {
    RequestUriHashSelector(SelectorOptions options) {
        super(options.hashMode());
    }

    @Override
    long keyHash(RoutingRequest request) {
        return request.requestUri() == null ? NO_KEY : uriHash(request.requestUri());
    }
}
