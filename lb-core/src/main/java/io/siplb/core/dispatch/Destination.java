package io.siplb.core.dispatch;

import io.siplb.core.sip.SipUri;
import java.util.List;
import java.util.Objects;

/**
 * A destination as the selectors see it: its definition and its live runtime state. The runtime
 * part is shared by every snapshot that holds the same set and URI.
 */
public final class Destination {
    private final DestinationDefinition definition;
    private final DestinationRuntime runtime;
    private final SetHealth health;
    private final long uriHash;
    private final String key;

    Destination(DestinationDefinition definition, DestinationRuntime runtime, SetHealth health) {
        this.definition = Objects.requireNonNull(definition, "definition");
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.health = Objects.requireNonNull(health, "health");
        this.uriHash = Hashing.hash(definition.uri().text());
        this.key = definition.key().text();
    }

    public DestinationDefinition definition() {
        return definition;
    }

    public int setId() {
        return definition.setId();
    }

    public SipUri uri() {
        return definition.uri();
    }

    public int priority() {
        return definition.priority();
    }

    public DestinationAttributes attributes() {
        return definition.attributes();
    }

    /** The state now. */
    public DestinationState state() {
        return runtime.state();
    }

    /**
     * Whether new requests may go to it now: not draining, and {@link #healthy()}, or its set is in
     * panic and it is not disabled, not held down by an operator and has an address ({@link SetHealth}).
     */
    public boolean usable() {
        return !runtime.drain().draining() && (runtime.usableWithTargets() || health.panic() && runtime.revivable());
    }

    /**
     * Its identity across reloads as text, set id and URI ({@code 1 sip:10.0.0.11:5060}): a reload
     * replaces the object of a line that changed, so what is kept per destination beside it is kept
     * under this.
     */
    public String key() {
        return key;
    }

    /** Whether it drains, and who said so ({@link Drain}). */
    public Drain drain() {
        return runtime.drain();
    }

    /**
     * Whether it is up by its own state: not inactive, not disabled, and when its host is a name,
     * with at least one usable target.
     */
    public boolean healthy() {
        return runtime.usableWithTargets();
    }

    /** Whether it is in use only because its set is in panic. */
    public boolean revivedByPanic() {
        return !runtime.usableWithTargets() && health.panic() && runtime.revivable();
    }

    /**
     * A call's failure made it unusable and no probe has brought it back yet: the prober checks
     * it at {@code siplb.probe.recheck}, not at the probe interval.
     */
    public boolean recheck() {
        return runtime.recheck;
    }

    /**
     * The addresses its host resolved to, in DNS order (RFC 3263: SRV targets with their priority
     * and weight, or A/AAAA); {@code null} when written with an IP literal or not resolved yet.
     */
    public List<DestinationTarget> targets() {
        return runtime.targets();
    }

    /**
     * Calls counted against it now (shared with every destination of the same duid): what it last
     * reported in a probe reply while that is fresh ({@link ReportedLoad}) plus the calls this node
     * sent it since; otherwise this node's own count plus what the other nodes of a cluster last
     * published ({@link #remoteLoad()}).
     */
    public int load() {
        ReportedLoad report = reportedLoad();
        if (report != null) {
            return report.calls() + Math.max(0, runtime.load().get() - report.ownAtReport());
        }
        return runtime.load().get() + runtime.remoteLoad().get();
    }

    /** Its last report while it is fresh, else {@code null}. */
    public ReportedLoad reportedLoad() {
        ReportedLoad report = runtime.reported;
        return report != null && report.fresh(System.nanoTime()) ? report : null;
    }

    /**
     * The most calls it takes: the capacity it reported while fresh, else its {@code maxload}
     * attribute; 0 = no limit.
     */
    public int capacity() {
        ReportedLoad report = reportedLoad();
        return report != null && report.capacity() >= 0 ? report.capacity() : attributes().maxload();
    }

    /** Calls this node counts against it now, exactly. */
    public int localLoad() {
        return runtime.load().get();
    }

    /** Calls the other nodes of a cluster last said they count against it (0 on a single node). */
    public int remoteLoad() {
        return runtime.remoteLoad().get();
    }

    /**
     * What its call load is counted under: set id and duid ({@code 1 duid pbx1}), or set id and URI
     * when it has no duid. The same on every node reading the same list.
     */
    public String loadKey() {
        return runtime.loadKey();
    }

    /** A new request was sent to it: an attempt of a failover plan or a branch of a fork. */
    public void countAttempt() {
        runtime.attempts.increment();
    }

    /** An attempt to it failed (a failover code, silence, no address) and the request moved on. */
    public void countFailure() {
        runtime.failures.increment();
    }

    /** Attempts sent to it since it was loaded (kept across reloads that leave it unchanged). */
    public long attempts() {
        return runtime.attempts.sum();
    }

    /** Its attempts that failed. */
    public long failures() {
        return runtime.failures.sum();
    }

    /** Its probe round-trip statistics. */
    public LatencyStats latency() {
        return runtime.latency();
    }

    DestinationRuntime runtime() {
        return runtime;
    }

    /** A hash of the URI, the destination's half of a rendezvous score. */
    long uriHash() {
        return uriHash;
    }

    @Override
    public String toString() {
        return definition.setId() + " " + definition.uri().text() + " " + state().letters();
    }
}
