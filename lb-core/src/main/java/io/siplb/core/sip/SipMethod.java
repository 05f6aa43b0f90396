package io.siplb.core.sip;

/**
 * The request methods the balancer treats specially; any other method is {@link #OTHER} and is
 * forwarded like a non-INVITE request. Methods are case-sensitive (RFC 3261 §7.1), so
 * {@code RE%47IST%45R} is not REGISTER (RFC 4475 §3.1.1.5).
 */
public enum SipMethod {
    INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, PRACK, SUBSCRIBE, NOTIFY, PUBLISH, INFO, REFER,
    MESSAGE, UPDATE, OTHER;

    private static final SipMethod[] KNOWN = {
        INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, PRACK, SUBSCRIBE, NOTIFY, PUBLISH, INFO, REFER,
        MESSAGE, UPDATE
    };

    /** The method spelled by {@code [from, to)}, compared case-sensitively. */
    public static SipMethod lookup(byte[] bytes, int from, int to) {
        int length = to - from;
        for (SipMethod method : KNOWN) {
            String name = method.name();
            if (name.length() == length && sameBytes(bytes, from, name)) {
                return method;
            }
        }
        return OTHER;
    }

    private static boolean sameBytes(byte[] bytes, int from, String name) {
        for (int k = 0; k < name.length(); k++) {
            if (bytes[from + k] != name.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a request of this method may create a dialog (RFC 3261 §12; RFC 6665 SUBSCRIBE). */
    public boolean createsDialog() {
        return this == INVITE || this == SUBSCRIBE || this == REFER;
    }
}
