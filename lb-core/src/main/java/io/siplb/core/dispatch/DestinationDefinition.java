package io.siplb.core.dispatch;

import io.siplb.core.sip.SipUri;
import java.util.Objects;

/**
 * One line of {@code dispatcher.list}: what the operator configured, nothing learnt at run time.
 *
 * @param setId the set, 0 or more
 * @param uri the destination, a SIP or SIPS URI
 * @param flags the flags column: state bits of {@link DestinationState} (1 inactive, 2 trying,
 *     4 disabled, 8 probing) plus 16 (no DNS at load) and 32 (never probe)
 * @param priority the priority column; higher is tried first (Kamailio's order)
 * @param attributes the attrs column
 * @param line where it was read, for messages ({@code file:line}); 0 when added at run time
 */
public record DestinationDefinition(int setId, SipUri uri, int flags, int priority,
        DestinationAttributes attributes, int line) {

    /** List-file flag: do not resolve the host when the list is loaded. */
    public static final int NO_DNS = 16;
    /** List-file flag: never probe this destination. */
    public static final int NO_PING = 32;
    /** Every flag the list file may carry. */
    public static final int ALL_FLAGS = DestinationState.MASK | NO_DNS | NO_PING;

    public DestinationDefinition {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(attributes, "attributes");
        if (setId < 0) {
            throw new IllegalArgumentException("set id " + setId + " is negative");
        }
        if ((flags & ~ALL_FLAGS) != 0) {
            throw new IllegalArgumentException("flags " + flags + " outside " + ALL_FLAGS);
        }
    }

    /** The state the destination starts in. */
    public DestinationState initialState() {
        int state = flags & DestinationState.MASK;
        return new DestinationState((state & DestinationState.DISABLED) != 0 ? DestinationState.DISABLED : state);
    }

    /** Whether a reload may keep the runtime state of {@code other}: same set and same URI. */
    DestinationKey key() {
        return new DestinationKey(setId, uri.text());
    }

    /** Identity of a destination across reloads. */
    record DestinationKey(int setId, String uri) {
        /** As text, set id and URI: {@code 1 sip:10.0.0.11:5060}. */
        String text() {
            return setId + " " + uri;
        }
    }
}
