package io.siplb.transport.capture;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The Call-ID of a raw SIP message, found without parsing the rest: the octets of the value of
 * the first header line named {@code Call-ID} or {@code i} (its compact form), any case, trimmed;
 * {@code null} when there is none before the blank line.
 */
final class CallIdScanner {
    private static final byte[] CALL_ID = "Call-ID".getBytes(StandardCharsets.US_ASCII);

    private CallIdScanner() {
    }

    static byte[] callId(byte[] message) {
        int line = 0;
        int end = message.length;
        while (line < end) {
            int eol = line;
            while (eol < end && message[eol] != '\n') {
                eol++;
            }
            int stop = eol > line && message[eol - 1] == '\r' ? eol - 1 : eol;
            if (stop == line) {
                return null; // the blank line: headers are over
            }
            int colon = line;
            while (colon < stop && message[colon] != ':') {
                colon++;
            }
            if (colon < stop && named(message, line, colon)) {
                int start = colon + 1;
                while (start < stop && (message[start] == ' ' || message[start] == '\t')) {
                    start++;
                }
                int last = stop;
                while (last > start && (message[last - 1] == ' ' || message[last - 1] == '\t')) {
                    last--;
                }
                return Arrays.copyOfRange(message, start, last);
            }
            line = eol + 1;
        }
        return null;
    }

    /** Whether the name before {@code colon} (spaces before the colon allowed) is Call-ID or i. */
    private static boolean named(byte[] message, int from, int colon) {
        int to = colon;
        while (to > from && (message[to - 1] == ' ' || message[to - 1] == '\t')) {
            to--;
        }
        int length = to - from;
        if (length == 1) {
            return (message[from] | 0x20) == 'i';
        }
        if (length != CALL_ID.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            byte b = message[from + i];
            byte c = CALL_ID[i];
            if (b != c && (c == '-' || (b | 0x20) != (c | 0x20))) { // letters in any case, '-' exactly
                return false;
            }
        }
        return true;
    }
}
