package io.siplb.core.dispatch;

import io.netty.util.AsciiString;
import io.siplb.core.sip.HeaderName;
import io.siplb.core.sip.NameAddress;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.Uri;
import java.util.Objects;

/** The routing view of a parsed SIP request; every part is read lazily from the message. */
public final class SipRoutingRequest implements RoutingRequest {
    private final SipMessage message;

    public SipRoutingRequest(SipMessage message) {
        this.message = Objects.requireNonNull(message, "message");
    }

    @Override
    public SipMethod method() {
        return message.method();
    }

    @Override
    public CharSequence callId() {
        return message.callId();
    }

    @Override
    public Uri fromUri() {
        NameAddress from = message.from();
        return from == null ? null : from.uri();
    }

    @Override
    public Uri toUri() {
        NameAddress to = message.to();
        return to == null ? null : to.uri();
    }

    @Override
    public Uri requestUri() {
        return message.requestUri();
    }

    @Override
    public CharSequence authUsername() {
        CharSequence user = digestUser(message.headerValue(HeaderName.PROXY_AUTHORIZATION));
        return user != null ? user : digestUser(message.headerValue(HeaderName.AUTHORIZATION));
    }

    @Override
    public CharSequence header(String name) {
        return message.headerValue(name);
    }

    /**
     * The user part of {@code username="user@domain"} in a Digest credential (RFC 3261 §25.1
     * {@code dig-resp}), or {@code null}.
     */
    static CharSequence digestUser(AsciiString credentials) {
        if (credentials == null) {
            return null;
        }
        String text = credentials.toString();
        int at = indexOfIgnoreCase(text, "username");
        while (at >= 0) {
            int i = at + "username".length();
            boolean startsParameter = at == 0 || " ,\t\r\n".indexOf(text.charAt(at - 1)) >= 0;
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (startsParameter && i < text.length() && text.charAt(i) == '=') {
                i++;
                while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                    i++;
                }
                if (i < text.length() && text.charAt(i) == '"') {
                    int close = text.indexOf('"', i + 1);
                    if (close < 0) {
                        return null;
                    }
                    String user = text.substring(i + 1, close);
                    int domain = user.indexOf('@');
                    return domain >= 0 ? user.substring(0, domain) : user;
                }
                return null;
            }
            at = indexOfIgnoreCase(text, "username", at + 1);
        }
        return null;
    }

    private static int indexOfIgnoreCase(String text, String word) {
        return indexOfIgnoreCase(text, word, 0);
    }

    private static int indexOfIgnoreCase(String text, String word, int from) {
        for (int i = from; i + word.length() <= text.length(); i++) {
            if (text.regionMatches(true, i, word, 0, word.length())) {
                return i;
            }
        }
        return -1;
    }
}
