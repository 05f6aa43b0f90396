package io.siplb.core.cluster;

import java.time.Duration;
import java.util.List;

/**
 * The cluster as one node sees it.
 *
 * @param nodeId this node
 * @param store where the shared state lives ({@code redis://host:port/db}, without a password), or
 *     empty for a single node
 * @param connected whether the store answers now (always false for a single node)
 * @param probeMode {@code each} or {@code shared}
 * @param sync how often this node publishes and reads
 * @param ttl how long a silent node's share counts
 * @param members every member this node has heard from within the TTL, itself first
 * @param counters what the synchronisation has done
 * @param problem the last error talking to the store, or empty
 */
public record ClusterStatus(String nodeId, String store, boolean connected, Cluster.ProbeMode probeMode,
        Duration sync, Duration ttl, List<Member> members, ClusterCounters counters, String problem) {

    /**
     * One member.
     *
     * @param id its node id
     * @param sip the SIP address it advertises
     * @param admin its admin API address, or empty
     * @param calls the calls it counted at its last heartbeat
     * @param heartbeatAgeMillis how long ago it wrote its last heartbeat, by its clock and ours
     * @param self whether this is the node asking
     * @param probes how many destinations it probes with {@code probe=shared}; -1 when it probes
     *     every destination ({@code probe=each}, a single node, or the store out of reach)
     */
    public record Member(String id, String sip, String admin, long calls, long heartbeatAgeMillis, boolean self,
            int probes) {
    }

    /** Whether siplb runs as one node with nothing shared (no {@code siplb.cluster.redis}). */
    public boolean single() {
        return store.isEmpty();
    }
}
