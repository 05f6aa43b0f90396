package io.siplb.core.dispatch;

import java.util.Locale;

/**
 * The state of a destination as Kamailio's dispatcher keeps it: flag bits with Kamailio's values,
 * so that the flags column of {@code dispatcher.list} means the same here.
 *
 * <table>
 *   <caption>Bits and letters</caption>
 *   <tr><th>bit</th><th>meaning</th><th>first letter</th></tr>
 *   <tr><td>1</td><td>inactive: not selected</td><td>{@code I} (wins over the others)</td></tr>
 *   <tr><td>4</td><td>disabled by the operator: not selected, not probed</td><td>{@code D}</td></tr>
 *   <tr><td>2</td><td>trying: failed recently, still selected</td><td>{@code T}</td></tr>
 *   <tr><td>–</td><td>active</td><td>{@code A}</td></tr>
 *   <tr><td>8</td><td>probing: OPTIONS are sent to it</td><td>second letter {@code P}, else {@code X}</td></tr>
 * </table>
 *
 * <p>So {@code AP}, {@code AX}, {@code TP}, {@code IP}, {@code DX}… as {@code kamcmd dispatcher.list}
 * prints them.
 *
 * @param flags the bits above
 */
public record DestinationState(int flags) {
    public static final int INACTIVE = 1;
    public static final int TRYING = 2;
    public static final int DISABLED = 4;
    public static final int PROBING = 8;
    /** The bits that make up a state; other list-file flags (16 no-DNS, 32 no-ping) are not state. */
    public static final int MASK = INACTIVE | TRYING | DISABLED | PROBING;

    public static final DestinationState ACTIVE = new DestinationState(0);

    public DestinationState {
        if ((flags & ~MASK) != 0) {
            throw new IllegalArgumentException("state flags " + flags + " outside " + MASK);
        }
    }

    /** Whether requests may be sent to it: neither inactive nor disabled (trying still is). */
    public boolean usable() {
        return (flags & (INACTIVE | DISABLED)) == 0;
    }

    public boolean inactive() {
        return (flags & INACTIVE) != 0;
    }

    public boolean trying() {
        return (flags & TRYING) != 0;
    }

    public boolean disabled() {
        return (flags & DISABLED) != 0;
    }

    public boolean probing() {
        return (flags & PROBING) != 0;
    }

    /** The two letters Kamailio shows: I, D, T or A (in that precedence), then P or X. */
    public String letters() {
        char first = inactive() ? 'I' : disabled() ? 'D' : trying() ? 'T' : 'A';
        return new String(new char[] {first, probing() ? 'P' : 'X'});
    }

    /**
     * Parses a state as an operator sets it (Kamailio's {@code dispatcher.set_state}): a first
     * character {@code a}/{@code 1} active, {@code i}/{@code 0} inactive, {@code d}/{@code 2}
     * disabled, {@code t}/{@code 3} trying; an optional {@code p} adds probing (not to disabled).
     *
     * @throws IllegalArgumentException naming the letters and the rule
     */
    public static DestinationState parse(String letters) {
        String text = letters == null ? "" : letters.trim().toLowerCase(Locale.ROOT);
        if (text.isEmpty() || text.length() > 2 || text.length() == 2 && text.charAt(1) != 'p') {
            throw new IllegalArgumentException("state '" + letters
                    + "' must be a, i, d or t (or 1, 0, 2, 3), optionally followed by p");
        }
        int flags;
        switch (text.charAt(0)) {
            case 'a', '1' -> flags = 0;
            case 'i', '0' -> flags = INACTIVE;
            case 'd', '2' -> flags = DISABLED;
            case 't', '3' -> flags = TRYING;
            default -> throw new IllegalArgumentException("state '" + letters
                    + "' must be a, i, d or t (or 1, 0, 2, 3), optionally followed by p");
        }
        if (text.length() == 2 && flags != DISABLED) {
            flags |= PROBING;
        }
        return new DestinationState(flags);
    }

    @Override
    public String toString() {
        return letters();
    }
}
