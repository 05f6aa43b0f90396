package io.siplb.core.dispatch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The attributes of one destination, the fifth column of a {@code dispatcher.list} line:
 * {@code name=value} pairs separated by {@code ;}. The ones the balancer acts on are typed; any
 * other is kept as written in {@link #others()}, so that a list shared with Kamailio loses
 * nothing.
 *
 * @param duid destination unique id: call load (algorithm 10) is counted per duid; {@code null}
 *     counts per URI
 * @param weight share for algorithm 9: 0..100 in Kamailio, 0..{@value #MAX_WEIGHT} here
 * @param rweight share for algorithm 11, over the active destinations only, 1..100
 * @param maxload most concurrent calls for algorithm 10, 0 = no limit
 * @param socket the local socket Kamailio would send from ({@code proto:host:port}), or {@code null}:
 *     kept and shown (also by the JSON-RPC), not used by siplb to choose its socket
 * @param pingFrom the From URI of this destination's probes, or {@code null} for the default
 * @param congestionControl {@code cc=1}: algorithm 13 weighs this destination by its congestion
 * @param others every other attribute, in file order
 * @param text the column as written (what a cache of the list writes, and what Kamailio's
 *     {@code dispatcher.list} RPC shows as the attributes' body)
 */
public record DestinationAttributes(String duid, int weight, int rweight, int maxload, String socket,
        String pingFrom, boolean congestionControl, Map<String, String> others, String text) {

    /** Largest {@code weight}: keeps any set's total below the prime of the weight permutation. */
    public static final int MAX_WEIGHT = 1_000_000;

    /** No attributes: weight 0, rweight 0, no load limit. */
    public static final DestinationAttributes NONE =
            new DestinationAttributes(null, 0, 0, 0, null, null, false, Map.of(), "");

    public DestinationAttributes {
        if (weight < 0 || weight > MAX_WEIGHT || rweight < 0 || rweight > 100 || maxload < 0) {
            throw new IllegalArgumentException("weight must be 0.." + MAX_WEIGHT
                    + ", rweight 0..100, maxload 0 or more");
        }
        others = Map.copyOf(others);
        Objects.requireNonNull(text, "text");
    }

    /**
     * Parses {@code name=value;name=value}. Unknown names are kept; a typed attribute with a bad
     * value is an error naming it.
     *
     * @throws IllegalArgumentException naming the attribute, the value and the rule
     */
    public static DestinationAttributes parse(String text) {
        Objects.requireNonNull(text, "text");
        String duid = null;
        int weight = 0;
        int rweight = 0;
        int maxload = 0;
        String socket = null;
        String pingFrom = null;
        boolean cc = false;
        Map<String, String> others = new LinkedHashMap<>();
        for (String pair : text.split(";")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("attribute '" + pair + "' is not name=value");
            }
            String name = pair.substring(0, eq).trim();
            String value = pair.substring(eq + 1).trim();
            switch (name) {
                case "duid" -> duid = value;
                case "weight" -> weight = number(name, value, 0, MAX_WEIGHT);
                case "rweight" -> rweight = number(name, value, 0, 100);
                case "maxload" -> maxload = number(name, value, 0, Integer.MAX_VALUE);
                case "socket" -> socket = value;
                case "ping_from" -> pingFrom = value;
                case "cc" -> cc = number(name, value, 0, 1) == 1;
                default -> others.put(name, value);
            }
        }
        return new DestinationAttributes(duid, weight, rweight, maxload, socket, pingFrom, cc, others, text.trim());
    }

    private static int number(String name, String value, int min, int max) {
        try {
            long n = Long.parseLong(value);
            if (n >= min && n <= max) {
                return (int) n;
            }
        } catch (NumberFormatException e) {
            // reported below with the rule
        }
        throw new IllegalArgumentException("attribute " + name + "=" + value + " must be an integer "
                + min + ".." + (max == Integer.MAX_VALUE ? "2^31-1" : max));
    }
}
