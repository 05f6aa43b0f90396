package io.siplb.core.dispatch;

import io.siplb.core.sip.SipUri;
import java.util.Objects;

/**
 * A destination as the selectors see it: its definition and its live runtime state. The runtime
 * part is shared by every snapshot that holds the same set and URI.
 */
public final class Destination {
    private final DestinationDefinition definition;
    private final DestinationRuntime runtime;
    private final long uriHash;

    Destination(DestinationDefinition definition, DestinationRuntime runtime) {
        this.definition = Objects.requireNonNull(definition, "definition");
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.uriHash = Hashing.hash(definition.uri().text());
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
     * Whether requests may go to it now: not inactive, not disabled, and when its host is a name,
     * with at least one usable target.
     */
    public boolean usable() {
        return runtime.usableWithTargets();
    }

    /**
     * The addresses its host resolved to, in DNS order (RFC 3263: SRV targets with their priority
     * and weight, or A/AAAA); {@code null} when written with an IP literal or not resolved yet.
     */
    public java.util.List<DestinationTarget> targets() {
        return runtime.targets;
    }

    /** Calls counted against it now (shared with every destination of the same duid). */
    public int load() {
        return runtime.load().get();
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
