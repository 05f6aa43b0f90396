package io.siplb.core.dispatch;

import java.util.Locale;

/**
 * What a failed attempt does to its destination ({@code siplb.failover.mark}; Kamailio's
 * {@code ds_mark_dst}).
 */
public enum FailureMark {
    /** Nothing: only probes change the state. */
    NONE,
    /** Trying ({@code ds_mark_dst("t")}): still selected, inactive after the failure threshold. */
    TRYING,
    /** Inactive at once ({@code ds_mark_dst("i")}): no new requests until probes bring it back. */
    INACTIVE;

    /** Parses {@code none}, {@code trying} or {@code inactive}. */
    public static FailureMark parse(String text) {
        for (FailureMark mark : values()) {
            if (mark.name().toLowerCase(Locale.ROOT).equals(text.trim().toLowerCase(Locale.ROOT))) {
                return mark;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not none, trying or inactive");
    }
}
