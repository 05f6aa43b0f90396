package io.siplb.core.route;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.net.Peer;
import java.net.InetSocketAddress;

/**
 * Where one attempt goes: a destination of the dispatcher (and which of its DNS targets, when DNS
 * expanded it), or a bare next hop in a dialog (no destination). {@code peer} is {@code null}
 * when its host does not resolve or its transport is not spoken. {@link TargetChoice} makes them.
 */
public record Target(Destination destination, Peer peer, DestinationTarget target) {
    public Target(Destination destination, Peer peer) {
        this(destination, peer, null);
    }

    /** Where it goes; {@code null} when nowhere. */
    public InetSocketAddress address() {
        return peer == null ? null : peer.address();
    }
}
