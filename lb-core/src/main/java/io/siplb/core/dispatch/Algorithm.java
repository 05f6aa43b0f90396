package io.siplb.core.dispatch;

import java.util.Locale;
import java.util.function.Function;

/**
 * The selection algorithms by Kamailio number and by name ({@code siplb.dispatch.algorithm}),
 * each registered with the constructor of its selector. The Javadoc of each selector states its
 * exact rule and where it differs from Kamailio.
 */
public enum Algorithm {
    HASH_CALL_ID(0, "hash-callid", CallIdHashSelector::new),
    HASH_FROM(1, "hash-from", FromUriHashSelector::new),
    HASH_TO(2, "hash-to", ToUriHashSelector::new),
    HASH_REQUEST_URI(3, "hash-ruri", RequestUriHashSelector::new),
    ROUND_ROBIN(4, "round-robin", RoundRobinSelector::new),
    HASH_AUTH_USERNAME(5, "hash-auth-username", AuthUsernameHashSelector::new),
    RANDOM(6, "random", RandomSelector::new),
    HASH_HEADER(7, "hash-header", HeaderHashSelector::new),
    PRIORITY(8, "priority", PrioritySelector::new),
    WEIGHT(9, "weight", WeightSelector::new),
    CALL_LOAD(10, "call-load", CallLoadSelector::new),
    RELATIVE_WEIGHT(11, "relative-weight", RelativeWeightSelector::new),
    PARALLEL(12, "parallel", ParallelSelector::new),
    LATENCY(13, "latency", LatencySelector::new),
    PRIORITY_ROUND_ROBIN(14, "priority-round-robin", PriorityRoundRobinSelector::new),
    SRV(15, "srv", SrvSelector::new),
    /** siplb's own, with no Kamailio number (-1): shares by free capacity ({@link FreeCapacitySelector}). */
    FREE_CAPACITY(-1, "free-capacity", FreeCapacitySelector::new);

    private final int number;
    private final String label;
    private final Function<SelectorOptions, Selector> factory;

    Algorithm(int number, String label, Function<SelectorOptions, Selector> factory) {
        this.number = number;
        this.label = label;
        this.factory = factory;
    }

    /** Kamailio's number for it; -1 for siplb's own. */
    public int number() {
        return number;
    }

    /** Whether it reads the calls in progress per destination, so that the proxy must count them ({@link CallLoad}). */
    public boolean countsLoad() {
        return this == CALL_LOAD || this == FREE_CAPACITY;
    }

    /** The name used in configuration. */
    public String label() {
        return label;
    }

    /** A selector of this algorithm; an empty set always gives an empty plan. */
    public Selector newSelector(SelectorOptions options) {
        Selector selector = factory.apply(options);
        return (set, request, limit) -> set.size() == 0 ? FailoverPlan.empty() : selector.select(set, request, limit);
    }

    /**
     * The algorithm named by Kamailio number ({@code 4}) or name ({@code round-robin}).
     *
     * @throws IllegalArgumentException listing the valid numbers and names
     */
    public static Algorithm parse(String text) {
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        for (Algorithm algorithm : values()) {
            if (algorithm.label.equals(wanted) || algorithm.number >= 0 && Integer.toString(algorithm.number).equals(wanted)) {
                return algorithm;
            }
        }
        StringBuilder valid = new StringBuilder();
        for (Algorithm algorithm : values()) {
            valid.append(valid.length() == 0 ? "" : ", ").append(algorithm.number).append(' ').append(algorithm.label);
        }
        throw new IllegalArgumentException("'" + text + "' is not an algorithm: use one of " + valid);
    }

    @Override
    public String toString() {
        return number >= 0 ? number + " (" + label + ")" : label;
    }
}
