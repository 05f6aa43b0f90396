package io.siplb.core.sip;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A {@code (name-addr / addr-spec) *(SEMI generic-param)} value: From, To, Contact, Route and
 * Record-Route (RFC 3261 §20.10, §20.20, §20.30, §20.34, §20.39). In the addr-spec form the
 * parameters after the URI belong to the header field, not to the URI (§20.10; RFC 4475 §3.3.12).
 */
public final class NameAddress {
    private final String displayName;
    private final Uri uri;
    private final boolean bracketed;
    private final List<Parameter> parameters;
    private final int start;
    private final int end;

    private NameAddress(String displayName, Uri uri, boolean bracketed, List<Parameter> parameters,
            int start, int end) {
        this.displayName = displayName;
        this.uri = uri;
        this.bracketed = bracketed;
        this.parameters = parameters;
        this.start = start;
        this.end = end;
    }

    /**
     * Parses one value in {@code [from, to)}, already trimmed of surrounding LWS and commas.
     *
     * @throws SyntaxError naming the defect
     */
    static NameAddress parse(byte[] bytes, int from, int to) {
        int i = SipGrammar.skipLws(bytes, from, to);
        if (i == to) {
            throw new SyntaxError(from, "empty address");
        }
        String displayName = null;
        int open;
        if (bytes[i] == '"') {
            int close = SipGrammar.skipQuoted(bytes, i, to);
            if (close < 0) {
                throw new SyntaxError(i, "unterminated quoted display name");
            }
            displayName = unquote(bytes, i + 1, close - 1);
            open = SipGrammar.skipLws(bytes, close, to);
            if (open == to || bytes[open] != '<') {
                throw new SyntaxError(open, "a quoted display name must be followed by <URI>");
            }
        } else {
            open = SipGrammar.indexOfUnquoted(bytes, i, to, (byte) '<');
            if (open < 0) {
                throw new SyntaxError(i, "unbalanced quote or angle bracket");
            }
            if (open < to) {
                displayName = tokens(bytes, i, open);
            }
        }
        if (open < to) {
            int close = open + 1;
            while (close < to && bytes[close] != '>') {
                close++;
            }
            if (close == to) {
                throw new SyntaxError(open, "'<' without '>'");
            }
            Uri uri = UriParser.parse(bytes, open + 1, close);
            return new NameAddress(displayName, uri, true, HeaderParameters.readAll(bytes, close + 1, to), from, to);
        }
        // addr-spec: the URI runs to the first ';' or white space, and can carry no ';' parameters
        // or '?' headers of its own (RFC 3261 §20.10).
        int uriEnd = i;
        while (uriEnd < to && bytes[uriEnd] != ';' && !SipGrammar.isLws(bytes[uriEnd])) {
            uriEnd++;
        }
        if (bytes[i] == '*' && uriEnd == i + 1) {
            return new NameAddress(null, null, false, HeaderParameters.readAll(bytes, uriEnd, to), from, to);
        }
        Uri uri = UriParser.parse(bytes, i, uriEnd);
        if (uri instanceof SipUri sip && sip.headers() != null) {
            throw new SyntaxError(i, "a URI with headers must be enclosed in <>");
        }
        return new NameAddress(null, uri, false, HeaderParameters.readAll(bytes, uriEnd, to), from, to);
    }

    /** display-name = *(token LWS): tokens separated by white space, joined by single spaces. */
    private static String tokens(byte[] bytes, int from, int to) {
        int i = SipGrammar.skipLws(bytes, from, to);
        int first = SipGrammar.skipToken(bytes, i, to);
        if (first > i && SipGrammar.skipLws(bytes, first, to) == to) { // one token, the usual case
            return new String(bytes, i, first - i, StandardCharsets.US_ASCII);
        }
        StringBuilder name = new StringBuilder(to - from);
        while (i < to) {
            int tokenEnd = SipGrammar.skipToken(bytes, i, to);
            if (tokenEnd == i) {
                throw new SyntaxError(i, "display name must be a quoted string or tokens");
            }
            if (name.length() > 0) {
                name.append(' ');
            }
            name.append(new String(bytes, i, tokenEnd - i, StandardCharsets.US_ASCII));
            i = SipGrammar.skipLws(bytes, tokenEnd, to);
        }
        return name.length() == 0 ? null : name.toString();
    }

    /** The content of a quoted string with its quoted-pairs resolved, read as UTF-8. */
    private static String unquote(byte[] bytes, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == '\\' && i + 1 < to) {
                b = bytes[++i];
            }
            out.write(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The display name without quotes, or {@code null}. */
    public String displayName() {
        return displayName;
    }

    /** The URI, or {@code null} for the Contact wildcard {@code *}. */
    public Uri uri() {
        return uri;
    }

    /** Whether this is the Contact wildcard {@code *} (RFC 3261 §10.2.2). */
    public boolean wildcard() {
        return uri == null;
    }

    /** Whether the URI was written in {@code <…>} (name-addr form). */
    public boolean bracketed() {
        return bracketed;
    }

    /** The header parameters in order (not the URI's own parameters). */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The value of header parameter {@code name}: {@code ""} when valueless, {@code null} when absent. */
    public String parameter(String name) {
        return Parameter.find(parameters, name);
    }

    /** The {@code tag} parameter of From or To, or {@code null} (RFC 3261 §19.3). */
    public String tag() {
        return parameter("tag");
    }

    int start() {
        return start;
    }

    int end() {
        return end;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        if (displayName != null) {
            text.append('"').append(displayName.replace("\\", "\\\\").replace("\"", "\\\"")).append("\" ");
        }
        if (uri == null) {
            text.append('*');
        } else {
            text.append('<').append(uri.text()).append('>');
        }
        for (Parameter p : parameters) {
            text.append(';').append(p);
        }
        return text.toString();
    }
}
