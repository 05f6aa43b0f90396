package io.siplb.core.dispatch;

/**
 * Algorithm 5: hash over the user part of the digest username (Proxy-Authorization first, then
 * Authorization); without credentials, round-robin, as in Kamailio.
 */
final class AuthUsernameHashSelector extends HashSelector {
    AuthUsernameHashSelector(SelectorOptions options) {
        super(options.hashMode());
    }

    @Override
    long keyHash(RoutingRequest request) {
        return textHash(request.authUsername());
    }
}
