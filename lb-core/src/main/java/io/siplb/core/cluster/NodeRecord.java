package io.siplb.core.cluster;

import io.siplb.core.dispatch.DestinationState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one node publishes every {@code siplb.cluster.sync} under its own key, with the TTL that
 * makes its share vanish when it stops: its heartbeat, the calls it counts per load key, and the
 * state of each destination it probes for the others ({@code probe=shared}). Text, one item per
 * line, so that {@code redis-cli GET} shows it:
 *
 * <pre>
 * siplb-node 1
 * sent 1796630400000
 * sip 10.0.0.5:5060
 * admin 10.0.0.5:8080
 * calls 42
 * load 30 1 duid pbx1
 * state 8 1 sip:10.0.0.11:5060
 * </pre>
 *
 * @param sentEpochMillis when the node wrote it, by its clock
 * @param sip the SIP address it advertises
 * @param admin its admin API address, or empty
 * @param calls the calls it counts
 * @param loads its call count by load key ({@code Destination.loadKey()}), only keys with calls
 * @param states the state flags it decided, by {@code setId + " " + uri}, of the destinations it probes
 */
public record NodeRecord(long sentEpochMillis, String sip, String admin, long calls, Map<String, Integer> loads,
        Map<String, DestinationState> states) {
    private static final String MAGIC = "siplb-node 1";

    public NodeRecord {
        Objects.requireNonNull(sip, "sip");
        Objects.requireNonNull(admin, "admin");
        loads = Map.copyOf(loads);
        states = Map.copyOf(states);
    }

    /** The text stored under the node's key. */
    public String encode() {
        StringBuilder text = new StringBuilder(64 + 40 * (loads.size() + states.size()));
        text.append(MAGIC).append('\n')
                .append("sent ").append(sentEpochMillis).append('\n')
                .append("sip ").append(sip).append('\n')
                .append("admin ").append(admin).append('\n')
                .append("calls ").append(calls).append('\n');
        loads.forEach((key, count) -> text.append("load ").append(count).append(' ').append(key).append('\n'));
        states.forEach((key, state) -> text.append("state ").append(state.flags()).append(' ').append(key).append('\n'));
        return text.toString();
    }

    /**
     * Reads a stored record.
     *
     * @throws IllegalArgumentException when {@code text} is not a record this version wrote
     */
    public static NodeRecord decode(String text) {
        if (text == null || !text.startsWith(MAGIC + "\n")) {
            throw new IllegalArgumentException("not a siplb node record");
        }
        List<String> lines = new ArrayList<>(List.of(text.split("\n")));
        lines.remove(0);
        if (lines.size() < 4) {
            throw new IllegalArgumentException("node record cut short");
        }
        long sent = number(field(lines.get(0), "sent"));
        String sip = field(lines.get(1), "sip");
        String admin = field(lines.get(2), "admin");
        long calls = number(field(lines.get(3), "calls"));
        Map<String, Integer> loads = new LinkedHashMap<>();
        Map<String, DestinationState> states = new LinkedHashMap<>();
        for (String line : lines.subList(4, lines.size())) {
            String[] parts = line.split(" ", 3);
            if (parts.length != 3 || parts[2].isBlank()) {
                throw new IllegalArgumentException("bad line '" + line + "'");
            }
            long value = number(parts[1]);
            switch (parts[0]) {
                case "load" -> {
                    if (value > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("load " + value + " out of range");
                    }
                    loads.put(parts[2], (int) value);
                }
                case "state" -> states.put(parts[2], new DestinationState((int) Math.min(value, Integer.MAX_VALUE)));
                default -> throw new IllegalArgumentException("unknown item '" + parts[0] + "'");
            }
        }
        return new NodeRecord(sent, sip, admin, calls, loads, states);
    }

    private static String field(String line, String name) {
        if (!line.startsWith(name + " ")) {
            throw new IllegalArgumentException("expected '" + name + "' in '" + line + "'");
        }
        return line.substring(name.length() + 1);
    }

    /** A count: digits only, no sign. */
    private static long number(String text) {
        if (text.isEmpty() || text.length() > 18) {
            throw new IllegalArgumentException("bad number '" + text + "'");
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                throw new IllegalArgumentException("bad number '" + text + "'");
            }
        }
        return Long.parseLong(text);
    }
}
