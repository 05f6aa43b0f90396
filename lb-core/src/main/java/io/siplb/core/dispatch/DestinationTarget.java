package io.siplb.core.dispatch;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One address a destination named by DNS resolves to (RFC 3263): an SRV target's address and
 * port, or one A/AAAA address on the URI's port. Each has its own state — marked on a failed
 * attempt, probed on its own — while the destination it belongs to is usable as long as one of
 * its targets is. Kept across re-resolutions that give the same address, transport and port, so a
 * target that was down stays down when the answer is refreshed.
 */
public final class DestinationTarget {
    private final String name;
    private final InetSocketAddress address;
    private final String transport;
    private final int priority;
    private final int weight;
    private final DestinationRuntime runtime;

    /**
     * @param name the host name this address came from (an SRV target, or the URI's host)
     * @param transport the transport token, lower case ({@code udp}, {@code tcp}, {@code tls})
     * @param priority the SRV priority (lower first, RFC 2782); 0 for A/AAAA
     * @param weight the SRV weight; 0 for A/AAAA
     */
    public DestinationTarget(String name, InetSocketAddress address, String transport, int priority, int weight) {
        this(name, address, transport, priority, weight, null);
    }

    private DestinationTarget(String name, InetSocketAddress address, String transport, int priority, int weight,
            DestinationRuntime runtime) {
        this.name = Objects.requireNonNull(name, "name");
        this.address = Objects.requireNonNull(address, "address");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.priority = priority;
        this.weight = weight;
        this.runtime = runtime != null ? runtime : new DestinationRuntime(0, name, new AtomicInteger(), new AtomicInteger(), 0.9);
    }

    /** This target with the state of {@code previous} (the same address answered again). */
    DestinationTarget keeping(DestinationTarget previous) {
        return new DestinationTarget(name, address, transport, priority, weight, previous.runtime);
    }

    /** What identifies it across re-resolutions: transport, address and port. */
    String key() {
        return transport + ":" + address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    public String name() {
        return name;
    }

    public InetSocketAddress address() {
        return address;
    }

    public String transport() {
        return transport;
    }

    public int priority() {
        return priority;
    }

    public int weight() {
        return weight;
    }

    public DestinationState state() {
        return runtime.state();
    }

    public boolean usable() {
        return runtime.usable();
    }

    /** A call's failure took it down and no probe has brought it back yet ({@link Destination#recheck()}). */
    public boolean recheck() {
        return runtime.recheck;
    }

    /** Its probe round trips. */
    public LatencyStats latency() {
        return runtime.latency();
    }

    DestinationRuntime runtime() {
        return runtime;
    }

    @Override
    public String toString() {
        return name + " " + key() + " " + priority + "/" + weight + " " + state().letters();
    }
}
