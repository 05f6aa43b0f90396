package io.siplb.transport.cluster;

import io.siplb.core.cluster.ClusterEvent;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationListener;
import io.siplb.core.dispatch.DestinationState;
import io.siplb.core.dispatch.Drain;
import java.util.function.Consumer;

/**
 * Hears the dispatcher: state changes and drains decided on this node, and with {@code
 * probe=shared} the loads destinations reported to its probes, are published to the others; what this node is applying from another ({@link ClusterInbox#applyingHere()}) is not
 * sent back.
 */
final class ClusterPublisher implements DestinationListener {
    private final String id;
    private final ClusterInbox inbox;
    private final Consumer<ClusterEvent> publish;
    /** Whether loads reported in probe replies go to the others: with {@code probe=shared} only one node hears them. */
    private final boolean shareReports;

    ClusterPublisher(String id, ClusterInbox inbox, Consumer<ClusterEvent> publish, boolean shareReports) {
        this.id = id;
        this.inbox = inbox;
        this.publish = publish;
        this.shareReports = shareReports;
    }

    @Override
    public void usabilityChanged(Destination destination, DestinationState before, DestinationState after) {
        if (!inbox.applyingHere()) {
            publish.accept(new ClusterEvent.State(id, destination.setId(), destination.uri().text(), after, false));
        }
    }

    @Override
    public void stateSet(Destination destination, DestinationState state) {
        publish.accept(new ClusterEvent.State(id, destination.setId(), destination.uri().text(), state, true));
    }

    @Override
    public void loadReported(Destination destination, int calls, int capacity, long ttlNanos) {
        if (shareReports && !inbox.applyingHere()) {
            publish.accept(new ClusterEvent.Reported(id, destination.setId(), destination.uri().text(), calls,
                    capacity, Math.max(1, ttlNanos / 1_000_000)));
        }
    }

    @Override
    public void drainChanged(Destination destination, Drain drain) {
        if (!inbox.applyingHere()) {
            publish.accept(new ClusterEvent.Drained(id, destination.setId(), destination.uri().text(), drain));
        }
    }
}
