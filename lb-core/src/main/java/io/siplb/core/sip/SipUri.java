package io.siplb.core.sip;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A {@code sip:} or {@code sips:} URI (RFC 3261 §19.1.1). User and password keep their escapes as
 * written; {@link #decodedUser()} unescapes them once (RFC 4475 §3.1.1.3).
 *
 * @param secure whether the scheme is {@code sips}
 * @param user the user part with its escapes, or {@code null}; it may hold {@code ;} and {@code ?}
 *     (RFC 4475 §3.1.1.9)
 * @param password the password, or {@code null}
 * @param host a host name, an IPv4 address, or an IPv6 reference with its brackets
 * @param port the port, or {@code -1} when absent
 * @param parameters the uri-parameters in order
 * @param headers the text after {@code ?} (escaped headers), or {@code null}
 * @param text the URI exactly as written
 */
public record SipUri(boolean secure, String user, String password, String host, int port,
        List<Parameter> parameters, String headers, String text) implements Uri {

    public SipUri {
        Objects.requireNonNull(host, "host");
        parameters = List.copyOf(parameters);
        Objects.requireNonNull(text, "text");
    }

    @Override
    public String scheme() {
        return secure ? "sips" : "sip";
    }

    /** The user part with every {@code %HH} escape decoded once, or {@code null}. */
    public String decodedUser() {
        return user == null ? null : UriParser.unescape(user);
    }

    /** The value of the uri-parameter {@code name} (case-insensitive); {@code ""} when valueless. */
    public String parameter(String name) {
        return Parameter.find(parameters, name);
    }

    /** Whether the {@code lr} parameter is present: a loose router (RFC 3261 §19.1.1). */
    public boolean looseRouting() {
        return parameter("lr") != null;
    }

    /** The {@code transport} parameter in lower case, or {@code null}. */
    public String transport() {
        String transport = parameter("transport");
        return transport == null ? null : transport.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return text;
    }
}
