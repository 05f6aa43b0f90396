package io.siplb.core.cluster;

import io.netty.util.NetUtil;
import io.siplb.core.dispatch.DestinationState;
import io.siplb.core.dispatch.Drain;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * What one node broadcasts to the others at once (Redis publish), one line of words:
 *
 * <pre>
 * ban ORIGIN ADDRESS REASON UNTIL_EPOCH_MS
 * unban ORIGIN ADDRESS
 * state ORIGIN operator|health FLAGS SET URI
 * drain ORIGIN operator|probe|none SET URI
 * report ORIGIN CALLS CAPACITY TTL_MS SET URI
 * reload ORIGIN dispatcher|routes
 * </pre>
 *
 * A node ignores its own events (the origin is its id).
 */
public sealed interface ClusterEvent {
    /** The node that sent it. */
    String origin();

    /** The line sent. */
    String encode();

    /** A source banned until {@code untilEpochMillis} (by the sender's clock). */
    record Ban(String origin, InetAddress source, String reason, long untilEpochMillis) implements ClusterEvent {
        @Override
        public String encode() {
            return "ban " + origin + " " + source.getHostAddress() + " " + reason + " " + untilEpochMillis;
        }
    }

    /** A ban lifted. */
    record Unban(String origin, InetAddress source) implements ClusterEvent {
        @Override
        public String encode() {
            return "unban " + origin + " " + source.getHostAddress();
        }
    }

    /**
     * A destination's state changed on the sender: by its operator ({@code byOperator}), or by its
     * probe verdict or a failure mark.
     */
    record State(String origin, int setId, String uri, DestinationState state, boolean byOperator)
            implements ClusterEvent {
        @Override
        public String encode() {
            return "state " + origin + " " + (byOperator ? "operator" : "health") + " " + state.flags() + " "
                    + setId + " " + uri;
        }
    }

    /** A destination started draining on the sender ({@code operator} or {@code probe}), or stopped ({@code none}). */
    record Drained(String origin, int setId, String uri, Drain drain) implements ClusterEvent {
        @Override
        public String encode() {
            return "drain " + origin + " " + drain.name().toLowerCase(Locale.ROOT) + " " + setId + " " + uri;
        }
    }

    /**
     * A destination's load, as it reported it in a probe reply to the sender ({@code probe=shared}:
     * the one node that probes it); {@code capacity} -1 when it did not say.
     */
    record Reported(String origin, int setId, String uri, int calls, int capacity, long ttlMillis)
            implements ClusterEvent {
        @Override
        public String encode() {
            return "report " + origin + " " + calls + " " + capacity + " " + ttlMillis + " " + setId + " " + uri;
        }
    }

    /** The sender reloaded and asks every node to do the same. */
    record Reload(String origin, Cluster.Reload what) implements ClusterEvent {
        @Override
        public String encode() {
            return "reload " + origin + " " + what.word();
        }
    }

    /**
     * Reads a broadcast line.
     *
     * @throws IllegalArgumentException when it is not one siplb sends
     */
    static ClusterEvent decode(String line) {
        String[] words = line == null ? new String[0] : line.split(" ");
        if (words.length < 3) {
            throw new IllegalArgumentException("not a siplb event");
        }
        String origin = words[1];
        switch (words[0]) {
            case "ban" -> {
                expect(words, 5);
                return new Ban(origin, ipLiteral(words[2]), reason(words[3]), Long.parseLong(words[4]));
            }
            case "unban" -> {
                expect(words, 3);
                return new Unban(origin, ipLiteral(words[2]));
            }
            case "state" -> {
                expect(words, 6);
                if (!words[2].equals("operator") && !words[2].equals("health")) {
                    throw new IllegalArgumentException("bad cause '" + words[2] + "'");
                }
                return new State(origin, Integer.parseInt(words[4]), words[5],
                        new DestinationState(Integer.parseInt(words[3])), words[2].equals("operator"));
            }
            case "drain" -> {
                expect(words, 5);
                return new Drained(origin, Integer.parseInt(words[3]), words[4],
                        Drain.valueOf(words[2].toUpperCase(Locale.ROOT)));
            }
            case "report" -> {
                expect(words, 7);
                int calls = Integer.parseInt(words[2]);
                int capacity = Integer.parseInt(words[3]);
                long ttl = Long.parseLong(words[4]);
                if (calls < 0 || capacity < -1 || ttl <= 0 || ttl > 86_400_000) {
                    throw new IllegalArgumentException("bad report '" + line + "'");
                }
                return new Reported(origin, Integer.parseInt(words[5]), words[6], calls, capacity, ttl);
            }
            case "reload" -> {
                expect(words, 3);
                return new Reload(origin, Cluster.Reload.valueOf(words[2].toUpperCase(Locale.ROOT)));
            }
            default -> throw new IllegalArgumentException("unknown event '" + words[0] + "'");
        }
    }

    private static void expect(String[] words, int count) {
        if (words.length != count) {
            throw new IllegalArgumentException(words[0] + " takes " + count + " words, not " + words.length);
        }
    }

    /** An IP literal, never a name to resolve; {@link IllegalArgumentException} for anything else. */
    static InetAddress ipLiteral(String text) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address", e);
        }
    }

    private static String reason(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c == '-')) {
                throw new IllegalArgumentException("bad reason '" + text + "'");
            }
        }
        return text;
    }
}
