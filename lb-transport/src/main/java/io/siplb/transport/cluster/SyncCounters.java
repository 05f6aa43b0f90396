package io.siplb.transport.cluster;

import io.siplb.core.cluster.ClusterCounters;
import java.util.concurrent.atomic.LongAdder;

/** What the synchronisation with Redis has done since start, as {@link ClusterCounters} reports it. */
final class SyncCounters {
    final LongAdder syncs = new LongAdder();
    final LongAdder failures = new LongAdder();
    final LongAdder behind = new LongAdder();
    /** Values read under the prefix that were not siplb's, counted each time one is read. */
    final LongAdder garbled = new LongAdder();
    final LongAdder commands = new LongAdder();
    final LongAdder eventsSent = new LongAdder();
    final LongAdder eventsReceived = new LongAdder();
    final LongAdder eventsDropped = new LongAdder();

    ClusterCounters snapshot() {
        return new ClusterCounters(syncs.sum(), failures.sum(), behind.sum(), garbled.sum(), commands.sum(),
                eventsSent.sum(), eventsReceived.sum(), eventsDropped.sum());
    }
}
