package io.siplb.core.sip;

import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * One Via header field value (RFC 3261 §20.42, RFC 3581): sent-protocol, sent-by and the parameters
 * a proxy acts on. Strings are views over the message bytes; offsets let {@link SipMessageEdit}
 * splice {@code received} and {@code rport} in place.
 */
public final class Via {
    /** {@link #rport()} when the parameter is absent. */
    public static final int RPORT_ABSENT = -1;
    /** {@link #rport()} when the parameter is present without a value: the client asks for it. */
    public static final int RPORT_REQUESTED = 0;

    /** The RFC 3261 §8.1.1.7 magic cookie that starts every compliant branch. */
    public static final String MAGIC_COOKIE = "z9hG4bK";

    private final byte[] bytes;
    private final int start;
    private final int end;
    private final AsciiString protocol;
    private final int transportStart;
    private final int transportEnd;
    private final int hostStart;
    private final int hostEnd;
    private final int port;
    private final int parametersStart;
    // Parameters are kept as offsets and sliced when asked for: most messages only need the branch.
    private int branchStart = -1;
    private int branchEnd = -1;
    private int maddrStart = -1;
    private int maddrEnd = -1;
    private int ttl = -1;
    private int rport = RPORT_ABSENT;
    private int rportStart = -1;
    private int rportEnd = -1;
    private int receivedStart = -1;
    private int receivedValueStart = -1;
    private int receivedEnd = -1;

    private Via(byte[] bytes, int start, int end, AsciiString protocol, int transportStart,
            int transportEnd, int hostStart, int hostEnd, int port, int parametersStart) {
        this.bytes = bytes;
        this.start = start;
        this.end = end;
        this.protocol = protocol;
        this.transportStart = transportStart;
        this.transportEnd = transportEnd;
        this.hostStart = hostStart;
        this.hostEnd = hostEnd;
        this.port = port;
        this.parametersStart = parametersStart;
    }

    /**
     * Parses one via-parm in {@code [from, to)}, already trimmed of surrounding LWS and commas.
     *
     * @throws SyntaxError naming the defect
     */
    static Via parse(byte[] bytes, int from, int to) {
        // sent-protocol = protocol-name SLASH protocol-version SLASH transport; SLASH = SWS "/" SWS
        int nameEnd = SipGrammar.skipToken(bytes, from, to);
        int versionStart = expectSlash(bytes, nameEnd, to, from);
        int versionEnd = SipGrammar.skipToken(bytes, versionStart, to);
        int transportStart = expectSlash(bytes, versionEnd, to, versionStart);
        int transportEnd = SipGrammar.skipToken(bytes, transportStart, to);
        if (nameEnd == from || versionEnd == versionStart || transportEnd == transportStart) {
            throw new SyntaxError(from, "Via sent-protocol must be name/version/transport");
        }
        int hostStart = SipGrammar.skipLws(bytes, transportEnd, to);
        if (hostStart == transportEnd || hostStart == to) {
            throw new SyntaxError(transportEnd, "Via needs a sent-by after its protocol");
        }
        int hostEnd = hostEnd(bytes, hostStart, to);
        int i = SipGrammar.skipLws(bytes, hostEnd, to);
        int port = -1;
        if (i < to && bytes[i] == ':') {
            int portStart = SipGrammar.skipLws(bytes, i + 1, to);
            int portEnd = portStart;
            while (portEnd < to && bytes[portEnd] >= '0' && bytes[portEnd] <= '9') {
                portEnd++;
            }
            port = (int) SipGrammar.parseDecimal(bytes, portStart, portEnd, 65535);
            if (port < 0) {
                throw new SyntaxError(portStart, "Via sent-by port is not a number up to 65535");
            }
            i = portEnd;
        }
        AsciiString protocol = protocolOf(bytes, from, nameEnd, versionStart, versionEnd);
        Via via = new Via(bytes, from, to, protocol, transportStart, transportEnd, hostStart, hostEnd,
                port, i);
        via.readParameters(i);
        return via;
    }

    private static AsciiString protocolOf(byte[] bytes, int nameStart, int nameEnd, int versionStart,
            int versionEnd) {
        // Nearly every Via says SIP/2.0; share one constant rather than slicing each time.
        if (SipGrammar.equalsIgnoreCase(bytes, nameStart, nameEnd, "SIP")
                && SipGrammar.equalsIgnoreCase(bytes, versionStart, versionEnd, "2.0")) {
            return SIP_2_0;
        }
        return new AsciiString(SipGrammar.slice(bytes, nameStart, nameEnd) + "/"
                + SipGrammar.slice(bytes, versionStart, versionEnd));
    }

    private static final AsciiString SIP_2_0 = AsciiString.cached("SIP/2.0");

    private static int expectSlash(byte[] bytes, int from, int to, int context) {
        int i = SipGrammar.skipLws(bytes, from, to);
        if (i >= to || bytes[i] != '/') {
            throw new SyntaxError(context, "Via sent-protocol must be name/version/transport");
        }
        return SipGrammar.skipLws(bytes, i + 1, to);
    }

    /** host = hostname / IPv4address / IPv6reference; returns where it ends. */
    private static int hostEnd(byte[] bytes, int from, int to) {
        if (bytes[from] == '[') {
            int i = from + 1;
            while (i < to && bytes[i] != ']') {
                byte b = bytes[i];
                if (!(b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' || b == ':'
                        || b == '.')) {
                    throw new SyntaxError(i, "invalid character in Via IPv6 reference");
                }
                i++;
            }
            if (i == to || i == from + 1) {
                throw new SyntaxError(from, "unterminated or empty Via IPv6 reference");
            }
            return i + 1;
        }
        int i = from;
        while (i < to) {
            byte b = bytes[i];
            if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-'
                    || b == '.') {
                i++;
            } else {
                break;
            }
        }
        if (i == from || bytes[from] == '-' || bytes[from] == '.') {
            throw new SyntaxError(from, "invalid Via sent-by host");
        }
        return i;
    }

    private void readParameters(int from) {
        for (long p = HeaderParameters.next(bytes, from, end); p != HeaderParameters.END;
                p = HeaderParameters.next(bytes, HeaderParameters.end(p), end)) {
            int vs = HeaderParameters.valueStart(p);
            int ve = HeaderParameters.valueEnd(p);
            boolean valued = HeaderParameters.hasValue(p);
            if (HeaderParameters.nameIs(bytes, p, "branch")) {
                requireValue(p, valued, "branch");
                branchStart = vs;
                branchEnd = ve;
            } else if (HeaderParameters.nameIs(bytes, p, "received")) {
                requireValue(p, valued, "received");
                receivedStart = HeaderParameters.nameStart(p);
                receivedValueStart = vs;
                receivedEnd = ve;
            } else if (HeaderParameters.nameIs(bytes, p, "rport")) {
                rportStart = HeaderParameters.nameStart(p);
                rportEnd = ve;
                rport = valued ? (int) SipGrammar.parseDecimal(bytes, vs, ve, 65535) : RPORT_REQUESTED;
                if (rport < 0 || valued && rport == 0) {
                    throw new SyntaxError(vs, "Via rport is not a port number");
                }
            } else if (HeaderParameters.nameIs(bytes, p, "maddr")) {
                requireValue(p, valued, "maddr");
                maddrStart = vs;
                maddrEnd = ve;
            } else if (HeaderParameters.nameIs(bytes, p, "ttl")) {
                ttl = valued ? (int) SipGrammar.parseDecimal(bytes, vs, ve, 255) : -1;
                if (ttl < 0) {
                    throw new SyntaxError(HeaderParameters.nameStart(p), "Via ttl must be 0..255");
                }
            }
        }
    }

    private static void requireValue(long p, boolean valued, String name) {
        if (!valued) {
            throw new SyntaxError(HeaderParameters.nameStart(p), "Via " + name + " needs a value");
        }
    }

    /** {@code SIP/2.0} for every RFC 3261 Via. */
    public AsciiString protocol() {
        return protocol;
    }

    /** The transport token as written ({@code UDP}, {@code TCP}, {@code TLS}, or unknown ones). */
    public AsciiString transport() {
        return SipGrammar.slice(bytes, transportStart, transportEnd);
    }

    /** The sent-by host; an IPv6 reference keeps its brackets. */
    public AsciiString host() {
        return SipGrammar.slice(bytes, hostStart, hostEnd);
    }

    /** The sent-by port, or {@code -1} when absent (RFC 3261 §18.2.2: 5060 for UDP/TCP). */
    public int port() {
        return port;
    }

    /** The branch parameter, or {@code null} (RFC 2543 clients, RFC 4475 §3.4.1). */
    public AsciiString branch() {
        return branchStart < 0 ? null : SipGrammar.slice(bytes, branchStart, branchEnd);
    }

    /**
     * Whether the branch starts with the RFC 3261 magic cookie and has something after it; a bare
     * cookie (RFC 4475 §3.2.1) does not count.
     */
    public boolean hasRfc3261Branch() {
        if (branchEnd - branchStart <= MAGIC_COOKIE.length()) {
            return false;
        }
        for (int i = 0; i < MAGIC_COOKIE.length(); i++) {
            if (bytes[branchStart + i] != MAGIC_COOKIE.charAt(i)) { // the cookie is case-sensitive
                return false;
            }
        }
        return true;
    }

    /** The received parameter, or {@code null}. */
    public AsciiString received() {
        // receivedStart is the parameter name; the value follows "received="
        return receivedStart < 0 ? null : SipGrammar.slice(bytes, receivedValueStart, receivedEnd);
    }

    /** The rport value, {@link #RPORT_REQUESTED} when valueless, {@link #RPORT_ABSENT} when absent. */
    public int rport() {
        return rport;
    }

    /** The maddr parameter, or {@code null}. */
    public AsciiString maddr() {
        return maddrStart < 0 ? null : SipGrammar.slice(bytes, maddrStart, maddrEnd);
    }

    /** The ttl parameter, or {@code -1}. */
    public int ttl() {
        return ttl;
    }

    /**
     * The value of parameter {@code name} (case-insensitive): {@code ""} when present without a
     * value, {@code null} when absent.
     */
    public String parameter(String name) {
        for (long p = HeaderParameters.next(bytes, parametersStart, end); p != HeaderParameters.END;
                p = HeaderParameters.next(bytes, HeaderParameters.end(p), end)) {
            if (HeaderParameters.nameIs(bytes, p, name)) {
                return HeaderParameters.hasValue(p) ? HeaderParameters.toParameter(bytes, p).value() : "";
            }
        }
        return null;
    }

    /** Offset of this value in the message. */
    int start() {
        return start;
    }

    /** Offset just past this value in the message. */
    int end() {
        return end;
    }

    int rportStart() {
        return rportStart;
    }

    int rportEnd() {
        return rportEnd;
    }

    int receivedStart() {
        return receivedStart;
    }

    int receivedEnd() {
        return receivedEnd;
    }

    /** The value exactly as written, folds included. */
    @Override
    public String toString() {
        return new String(bytes, start, end - start, StandardCharsets.UTF_8);
    }
}
