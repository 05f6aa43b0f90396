package io.siplb.core.dispatch;

/** Algorithm 0: hash over the Call-ID, so every request of a call goes to the same destination. */
final class CallIdHashSelector extends HashSelector {
    CallIdHashSelector(SelectorOptions options) {
        super(options.hashMode());
    }

    @Override
    long keyHash(RoutingRequest request) {
        return textHash(request.callId());
    }
}
