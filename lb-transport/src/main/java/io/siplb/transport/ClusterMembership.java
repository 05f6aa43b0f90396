package io.siplb.transport;

import io.siplb.core.cluster.Cluster;
import io.siplb.core.cluster.SingleNode;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.proxy.ProxyTables;
import io.siplb.transport.cluster.ClusterSettings;
import io.siplb.transport.cluster.LocalNode;
import io.siplb.transport.cluster.RedisCluster;
import io.siplb.transport.config.BalancerSettings;
import io.siplb.transport.protect.SourceGuard;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This balancer as a member of its cluster: starts the {@link Cluster} its settings ask for (a
 * {@link SingleNode} without {@code siplb.cluster.redis}, else a {@link RedisCluster}), connects it
 * to the edge protection (bans decided here are published; the others' are adopted) and to the
 * prober, and carries out what other nodes ask of this one ({@link LocalNode}).
 */
final class ClusterMembership implements LocalNode {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMembership.class);

    private final BalancerSettings settings;
    private final Dispatcher dispatcher;
    private final ProxyTables tables;
    private final SourceGuard guard;
    private final Supplier<String> sip;
    private final Runnable reloadDestinations;
    private final Runnable reloadRoutes;
    private final Supplier<String> admin;
    private Cluster cluster;

    /**
     * @param sip the SIP address advertised (known once bound)
     * @param admin the admin API's address, or empty (known once it listens)
     * @param reloadDestinations reads the destinations again, off the caller's thread (it logs what it did)
     * @param reloadRoutes reloads the routes from the configuration
     */
    ClusterMembership(BalancerSettings settings, Dispatcher dispatcher, ProxyTables tables, SourceGuard guard,
            Supplier<String> sip, Supplier<String> admin, Runnable reloadDestinations, Runnable reloadRoutes) {
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.tables = tables;
        this.guard = guard;
        this.sip = sip;
        this.admin = admin;
        this.reloadDestinations = reloadDestinations;
        this.reloadRoutes = reloadRoutes;
    }

    /** Joins (or, without Redis, stands alone); bans decided here are published from now on. */
    Cluster join() {
        ClusterSettings cluster = settings.cluster();
        this.cluster = cluster.enabled()
                ? RedisCluster.start(cluster, dispatcher, this, settings.streams().trust() == null ? ""
                        : settings.streams().trust().toString())
                : new SingleNode(cluster.nodeId(), sip, admin, this::calls);
        guard.listener(new SourceGuard.BanListener() {
            @Override
            public void banned(SourceGuard.Ban ban) {
                long left = Math.max(0, ban.untilNanos() - guard.now());
                ClusterMembership.this.cluster.banned(ban.source(), ban.reason().label(),
                        System.currentTimeMillis() + left / 1_000_000);
            }

            @Override
            public void unbanned(InetAddress source) {
                ClusterMembership.this.cluster.unbanned(source);
            }
        });
        return this.cluster;
    }

    @Override
    public String sip() {
        return sip.get();
    }

    @Override
    public String admin() {
        return admin.get();
    }

    @Override
    public long calls() {
        return tables.callLoad().size();
    }

    @Override
    public Map<InetAddress, BanLeft> bans() {
        long now = guard.now();
        Map<InetAddress, BanLeft> bans = new HashMap<>();
        for (SourceGuard.Ban ban : guard.bans()) {
            bans.put(ban.source(), new BanLeft(ban.reason().label(), Duration.ofNanos(ban.untilNanos() - now)));
        }
        return bans;
    }

    @Override
    public void adoptBan(InetAddress source, String reason, Duration left) {
        SourceGuard.Reason known = SourceGuard.Reason.of(reason);
        guard.adoptBan(source, known == null ? SourceGuard.Reason.ADMIN : known, left);
    }

    @Override
    public void adoptUnban(InetAddress source) {
        guard.adoptUnban(source);
    }

    @Override
    public void reload(Cluster.Reload what) {
        try {
            if (what == Cluster.Reload.DISPATCHER) {
                reloadDestinations.run();
            } else {
                reloadRoutes.run();
            }
        } catch (RuntimeException e) {
            LOG.warn("cluster: reload of the {} asked by another node failed, the old state stays: {}",
                    what.name().toLowerCase(Locale.ROOT), e.getMessage());
        }
    }
}
