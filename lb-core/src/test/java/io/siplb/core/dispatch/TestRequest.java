package io.siplb.core.dispatch;

import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.Uri;
import java.util.HashMap;
import java.util.Map;

/** A routing request built field by field. */
final class TestRequest implements RoutingRequest {
    SipMethod method = SipMethod.INVITE;
    String callId;
    Uri from;
    Uri to;
    Uri requestUri;
    String authUsername;
    final Map<String, String> headers = new HashMap<>();

    static TestRequest callId(String callId) {
        TestRequest request = new TestRequest();
        request.callId = callId;
        return request;
    }

    TestRequest method(SipMethod value) {
        method = value;
        return this;
    }

    TestRequest from(String uri) {
        from = Uri.parse(uri);
        return this;
    }

    TestRequest to(String uri) {
        to = Uri.parse(uri);
        return this;
    }

    TestRequest requestUri(String uri) {
        requestUri = Uri.parse(uri);
        return this;
    }

    TestRequest header(String name, String value) {
        headers.put(name.toLowerCase(), value);
        return this;
    }

    @Override
    public SipMethod method() {
        return method;
    }

    @Override
    public CharSequence callId() {
        return callId;
    }

    @Override
    public Uri fromUri() {
        return from;
    }

    @Override
    public Uri toUri() {
        return to;
    }

    @Override
    public Uri requestUri() {
        return requestUri;
    }

    @Override
    public CharSequence authUsername() {
        return authUsername;
    }

    @Override
    public CharSequence header(String name) {
        return headers.get(name.toLowerCase());
    }
}
