package io.siplb.core.cluster;

import io.siplb.core.dispatch.Destination;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The default: one instance, nothing shared. It probes every destination and publishes nothing.
 */
public final class SingleNode implements Cluster {
    private final String nodeId;
    private final Supplier<String> sip;
    private final Supplier<String> admin;
    private final LongSupplier calls;

    /**
     * @param nodeId this node's id
     * @param sip the SIP address it advertises
     * @param admin its admin API address, or empty
     * @param calls the calls it counts now
     */
    public SingleNode(String nodeId, Supplier<String> sip, Supplier<String> admin, LongSupplier calls) {
        this.nodeId = nodeId;
        this.sip = sip;
        this.admin = admin;
        this.calls = calls;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public boolean probes(Destination destination) {
        return true;
    }

    @Override
    public void banned(InetAddress source, String reason, long untilEpochMillis) {
    }

    @Override
    public void unbanned(InetAddress source) {
    }

    @Override
    public void reloadEverywhere(Reload what) {
    }

    @Override
    public ClusterStatus status() {
        return new ClusterStatus(nodeId, "", false, ProbeMode.EACH, Duration.ZERO, Duration.ZERO,
                List.of(new ClusterStatus.Member(nodeId, sip.get(), admin.get(), calls.getAsLong(), 0, true, -1)), ClusterCounters.NONE, "");
    }

    @Override
    public void close() {
    }
}
