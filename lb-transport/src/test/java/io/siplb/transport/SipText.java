package io.siplb.transport;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** SIP messages as text for tests that play a UA by hand. */
final class SipText {
    private SipText() {
    }

    static String branch() {
        return "z9hG4bK-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    /** Every value of header {@code name} in order (one per line, as siplb writes them). */
    static List<String> headers(String message, String name) {
        List<String> values = new ArrayList<>();
        String head = message.substring(0, message.indexOf("\r\n\r\n"));
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                values.add(line.substring(colon + 1).trim());
            }
        }
        return values;
    }

    static String header(String message, String name) {
        List<String> values = headers(message, name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** The URI inside a name-addr's angle brackets. */
    static String uri(String nameAddr) {
        int open = nameAddr.indexOf('<');
        return open < 0 ? nameAddr : nameAddr.substring(open + 1, nameAddr.indexOf('>', open));
    }

    static int status(String message) {
        return message.startsWith("SIP/2.0 ") ? Integer.parseInt(message.substring(8, 11)) : -1;
    }

    /** A response to {@code request}: its Vias, From, To (tagged), Call-ID, CSeq and Record-Route copied. */
    static String response(String request, int status, String reason, String toTag, String contact) {
        StringBuilder text = new StringBuilder("SIP/2.0 " + status + " " + reason + "\r\n");
        for (String via : headers(request, "Via")) {
            text.append("Via: ").append(via).append("\r\n");
        }
        if (status > 100 && status < 300) {
            for (String route : headers(request, "Record-Route")) {
                text.append("Record-Route: ").append(route).append("\r\n");
            }
        }
        String to = header(request, "To");
        text.append("From: ").append(header(request, "From")).append("\r\n")
                .append("To: ").append(to.contains(";tag=") || toTag == null ? to : to + ";tag=" + toTag).append("\r\n")
                .append("Call-ID: ").append(header(request, "Call-ID")).append("\r\n")
                .append("CSeq: ").append(header(request, "CSeq")).append("\r\n");
        if (contact != null) {
            text.append("Contact: <").append(contact).append(">\r\n");
        }
        return text.append("Content-Length: 0\r\n\r\n").toString();
    }

    /**
     * A request within the dialog: to {@code target}, through {@code routes} (in the order given),
     * with From/To as the sender sees them.
     */
    static String inDialog(String method, String target, List<String> routes, String via, String from, String to,
            String callId, int cseq) {
        StringBuilder text = new StringBuilder(method + " " + target + " SIP/2.0\r\n")
                .append("Via: ").append(via).append("\r\n");
        for (String route : routes) {
            text.append("Route: ").append(route).append("\r\n");
        }
        return text.append("From: ").append(from).append("\r\n")
                .append("To: ").append(to).append("\r\n")
                .append("Call-ID: ").append(callId).append("\r\n")
                .append("CSeq: ").append(cseq).append(' ').append(method).append("\r\n")
                .append("Max-Forwards: 70\r\n")
                .append("Content-Length: 0\r\n\r\n").toString();
    }

    static List<String> reversed(List<String> values) {
        List<String> copy = new ArrayList<>(values);
        Collections.reverse(copy);
        return copy;
    }

    static String token(String transport) {
        return transport.toUpperCase(Locale.ROOT);
    }
}
