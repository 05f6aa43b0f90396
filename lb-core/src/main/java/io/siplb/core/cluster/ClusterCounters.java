package io.siplb.core.cluster;

/**
 * Counts of a node's synchronisation with the store, since start.
 *
 * @param syncs rounds that published and read
 * @param failures rounds that failed (store down, timeout, error)
 * @param behind rounds skipped because the one before had not finished (the store is slow)
 * @param garbled values found under the prefix that were not siplb's and were ignored
 * @param commands commands sent to the store
 * @param eventsSent events this node broadcast (bans, states, reloads)
 * @param eventsReceived events heard from other nodes and applied
 * @param eventsDropped events not sent because the queue was full or the store out of reach
 */
public record ClusterCounters(long syncs, long failures, long behind, long garbled, long commands,
        long eventsSent, long eventsReceived, long eventsDropped) {
    public static final ClusterCounters NONE = new ClusterCounters(0, 0, 0, 0, 0, 0, 0, 0);
}
