package io.siplb.core.sip;

/**
 * The header fields the balancer reads or edits, with their compact forms (RFC 3261 §7.3.3, §20).
 *
 * <p>Names are matched without regard to case. Every other header is {@link #OTHER} and is kept byte
 * for byte; look it up by name with {@link SipMessage#headerValue(String)}.
 */
public enum HeaderName {
    VIA("Via", 'v'),
    CALL_ID("Call-ID", 'i'),
    CSEQ("CSeq", '\0'),
    FROM("From", 'f'),
    TO("To", 't'),
    MAX_FORWARDS("Max-Forwards", '\0'),
    ROUTE("Route", '\0'),
    RECORD_ROUTE("Record-Route", '\0'),
    CONTACT("Contact", 'm'),
    CONTENT_LENGTH("Content-Length", 'l'),
    CONTENT_TYPE("Content-Type", 'c'),
    CONTENT_ENCODING("Content-Encoding", 'e'),
    SUBJECT("Subject", 's'),
    SUPPORTED("Supported", 'k'),
    REQUIRE("Require", '\0'),
    PROXY_REQUIRE("Proxy-Require", '\0'),
    RETRY_AFTER("Retry-After", '\0'),
    EXPIRES("Expires", '\0'),
    AUTHORIZATION("Authorization", '\0'),
    PROXY_AUTHORIZATION("Proxy-Authorization", '\0'),
    EVENT("Event", 'o'),
    REFER_TO("Refer-To", 'r'),
    TIMESTAMP("Timestamp", '\0'),
    DATE("Date", '\0'),
    USER_AGENT("User-Agent", '\0'),
    PATH("Path", '\0'),
    OTHER("", '\0');

    private static final HeaderName[] VALUES = values();

    private final String canonical;
    private final char compact;

    HeaderName(String canonical, char compact) {
        this.canonical = canonical;
        this.compact = compact;
    }

    /** The name as RFC 3261 spells it, used when the balancer writes the header. */
    public String canonical() {
        return canonical;
    }

    /** The compact form, or {@code '\0'} when the header has none. */
    public char compact() {
        return compact;
    }

    static HeaderName byOrdinal(int ordinal) {
        return VALUES[ordinal];
    }

    /** The header named {@code name}, in long or compact form, ignoring case; allocates nothing. */
    public static HeaderName lookup(String name) {
        for (HeaderName header : VALUES) {
            if (header != OTHER && (header.canonical.equalsIgnoreCase(name)
                    || name.length() == 1 && header.compact != '\0' && (name.charAt(0) | 0x20) == header.compact)) {
                return header;
            }
        }
        return OTHER;
    }

    /** The header named by {@code [from, to)}, in long or compact form, ignoring case. */
    public static HeaderName lookup(byte[] bytes, int from, int to) {
        int length = to - from;
        if (length == 1) {
            int c = bytes[from] | 0x20;
            for (HeaderName name : VALUES) {
                if (name.compact == c) {
                    return name;
                }
            }
            return OTHER;
        }
        for (HeaderName name : VALUES) {
            if (name.canonical.length() == length
                    && SipGrammar.equalsIgnoreCase(bytes, from, to, name.canonical)) {
                return name;
            }
        }
        return OTHER;
    }
}
