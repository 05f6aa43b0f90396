package io.siplb.core.dispatch;

import java.util.BitSet;
import java.util.Locale;
import java.util.Objects;

/**
 * The final responses that move a request on to the next destination ({@code siplb.failover.codes}):
 * a comma-separated list of codes ({@code 408}), classes ({@code 5xx}) and ranges
 * ({@code 500-503}), all within 300..699. A 2xx is never failed over; a 1xx is not final.
 */
public final class FailoverCodes {
    public static final FailoverCodes DEFAULT = parse("5xx,408");

    private final BitSet codes;
    private final String text;

    private FailoverCodes(BitSet codes, String text) {
        this.codes = codes;
        this.text = text;
    }

    /** Whether a final response with {@code status} fails over. */
    public boolean failsOver(int status) {
        return contains(status);
    }

    /** Whether {@code status} is in the list (for lists of another purpose, such as alive codes). */
    public boolean contains(int status) {
        return status >= 0 && status < 700 && codes.get(status);
    }

    /**
     * Parses the list.
     *
     * @throws IllegalArgumentException naming the bad item and the rule
     */
    public static FailoverCodes parse(String text) {
        return parse(text, 300);
    }

    /**
     * Parses a list whose codes may go down to {@code lowest} (probe reply codes may name a 1xx
     * or 2xx class; failover codes start at 300).
     */
    public static FailoverCodes parse(String text, int lowest) {
        Objects.requireNonNull(text, "text");
        BitSet codes = new BitSet(700);
        for (String raw : text.split(",")) {
            String item = raw.trim().toLowerCase(Locale.ROOT);
            if (item.isEmpty()) {
                continue;
            }
            int from;
            int to;
            if (item.length() == 3 && item.endsWith("xx") && Character.isDigit(item.charAt(0))) {
                from = (item.charAt(0) - '0') * 100;
                to = from + 99;
            } else if (item.matches("\\d{3}-\\d{3}")) {
                from = Integer.parseInt(item.substring(0, 3));
                to = Integer.parseInt(item.substring(4));
            } else if (item.matches("\\d{3}")) {
                from = Integer.parseInt(item);
                to = from;
            } else {
                throw new IllegalArgumentException("'" + raw.trim() + "' is not a code (408), class (5xx) or range (500-599)");
            }
            if (from < lowest || to > 699 || from > to) {
                throw new IllegalArgumentException("'" + raw.trim() + "' must lie within " + lowest + "..699");
            }
            codes.set(from, to + 1);
        }
        return new FailoverCodes(codes, text.trim());
    }

    @Override
    public String toString() {
        return text;
    }
}
