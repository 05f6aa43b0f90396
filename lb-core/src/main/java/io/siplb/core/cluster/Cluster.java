package io.siplb.core.cluster;

import io.siplb.core.dispatch.Destination;
import java.net.InetAddress;
import java.util.Locale;

/**
 * The state siplb shares with the other instances of its cluster. Every method returns at once:
 * what must reach the store is queued and sent in the background, and what the others published
 * arrives through the view the implementation keeps current ({@link ClusterView}), never by
 * asking the store on a caller's thread.
 */
public interface Cluster extends AutoCloseable {
    /** What {@code siplb.cluster.probe} says: every node probes every destination, or one node each. */
    enum ProbeMode {
        EACH, SHARED
    }

    /** What a cluster-wide reload reloads. */
    enum Reload {
        DISPATCHER, ROUTES;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** This node's id ({@code siplb.cluster.node-id}). */
    String nodeId();

    /**
     * Whether this node probes {@code destination}: always with {@code probe=each} or on a single
     * node; with {@code probe=shared} only when it is the destination's owner among the live
     * members (or when the store is out of reach, and no other node's verdict can arrive).
     */
    boolean probes(Destination destination);

    /** A ban decided here (rate, scanner, auth failures, operator): to be applied by every node. */
    void banned(InetAddress source, String reason, long untilEpochMillis);

    /** A ban lifted here: to be lifted on every node. */
    void unbanned(InetAddress source);

    /** Asks every other node to reload {@code what} (this node reloads itself). */
    void reloadEverywhere(Reload what);

    /**
     * The value every node uses for a secret none was configured with (the NAT flow key): on a
     * single node {@code proposed}; in a cluster the first node's, kept in the store. Blocks: for
     * start-up only.
     */
    default String agree(String name, String proposed) {
        return proposed;
    }

    /** What the cluster looks like from here: for {@code /cluster}, the status page and metrics. */
    ClusterStatus status();

    @Override
    void close();
}
