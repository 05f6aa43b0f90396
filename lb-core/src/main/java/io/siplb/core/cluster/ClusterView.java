package io.siplb.core.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The other nodes as this one last heard them: each member's record and when it arrived. A
 * successful round replaces the whole view (a node whose key expired in the store is gone); while
 * rounds fail the view stays as it was, and each record stops counting once it is older than the
 * TTL by this node's clock — the others' shares freeze, then age out, and this node's own count
 * stays exact throughout.
 *
 * <p>From it: the summed call load of the others per load key, the live members, and the owner of
 * each destination for shared probing — a rendezvous hash over the live members, so that a node
 * leaving moves only the destinations it owned.
 *
 * <p>Written by one thread (the synchronisation), read by any.
 */
public final class ClusterView {
    private record Heard(NodeRecord record, long receivedNanos) {
    }

    private final String self;
    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private volatile Map<String, Heard> others = Map.of();

    /**
     * @param self this node's id (never counted among the others)
     * @param ttlNanos how long a record counts after it arrived
     * @param nanoClock this node's monotonic clock ({@code System::nanoTime}, virtual in tests)
     */
    public ClusterView(String self, long ttlNanos, LongSupplier nanoClock) {
        this.self = Objects.requireNonNull(self, "self");
        this.ttlNanos = ttlNanos;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /** A round read {@code records} (by node id) just now: they are the whole cluster. */
    public void heard(Map<String, NodeRecord> records) {
        long now = nanoClock.getAsLong();
        Map<String, Heard> next = new HashMap<>();
        records.forEach((id, record) -> {
            if (!id.equals(self)) {
                next.put(id, new Heard(record, now));
            }
        });
        others = Map.copyOf(next);
    }

    /** Forgets every other node (the store was reset, or the node leaves the cluster). */
    public void forget() {
        others = Map.of();
    }

    /** The other nodes' records that still count, by node id. */
    public Map<String, NodeRecord> live() {
        long now = nanoClock.getAsLong();
        Map<String, NodeRecord> live = new HashMap<>();
        others.forEach((id, heard) -> {
            if (now - heard.receivedNanos() <= ttlNanos) {
                live.put(id, heard.record());
            }
        });
        return live;
    }

    /** The others' calls summed per load key, over the records that still count. */
    public Map<String, Integer> remoteLoads() {
        Map<String, Integer> sums = new HashMap<>();
        for (NodeRecord record : live().values()) {
            record.loads().forEach((key, count) -> sums.merge(key, count, Math::addExact));
        }
        return sums;
    }

    /** This node and the others that still count, in id order. */
    public List<String> members() {
        List<String> ids = new ArrayList<>(live().keySet());
        ids.add(self);
        ids.sort(null);
        return ids;
    }

    /** Which of {@code members} probes the destination {@code key} ({@code setId + " " + uri}). */
    public static String owner(List<String> members, String key) {
        String best = null;
        long bestScore = 0;
        for (String member : members) {
            long score = score(member, key);
            if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
                best = member;
                bestScore = score;
            }
        }
        return best;
    }

    /** FNV-1a over member, a separator and key, then a 64-bit finaliser (splitmix): stable everywhere. */
    private static long score(String member, String key) {
        long h = 0xcbf29ce484222325L;
        h = fnv(h, member);
        h = (h ^ 0xff) * 0x100000001b3L;
        h = fnv(h, key);
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    private static long fnv(long hash, String text) {
        long h = hash;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            h = (h ^ (c & 0xff)) * 0x100000001b3L;
            h = (h ^ (c >>> 8)) * 0x100000001b3L;
        }
        return h;
    }
}
