package io.siplb.transport.cluster;

import io.siplb.core.cluster.Cluster;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;

/**
 * What the cluster needs of the node it runs in, besides the dispatcher: what to publish about it
 * and where to apply what the others decided. Implemented by the balancer; every method returns at
 * once.
 */
public interface LocalNode {
    /** The SIP address the node advertises. */
    String sip();

    /** Its admin API address, or empty. */
    String admin();

    /** The calls it counts now. */
    long calls();

    /** Its bans in force, with the time left of each (republished when the store comes back). */
    Map<InetAddress, BanLeft> bans();

    /** Bans {@code source} for {@code left}, as another node decided (the reason is its label). */
    void adoptBan(InetAddress source, String reason, Duration left);

    /** Lifts the ban of {@code source}, as another node did. */
    void adoptUnban(InetAddress source);

    /** Reloads {@code what} from this node's own files, as another node asked. */
    void reload(Cluster.Reload what);

    /** A ban in force: its reason label and how long it has left. */
    record BanLeft(String reason, Duration left) {
    }
}
