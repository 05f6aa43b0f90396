package io.siplb.transport;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.route.Routes;
import io.siplb.transport.config.BalancerSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP, as {@code systemctl reload siplb} sends it: the destinations (the list file or the
 * database table), the routes and the TLS certificate, key and trust are read again, each on its own — what {@code kamcmd
 * dispatcher.reload} and a TLS reload do for Kamailio. Each part that reads well is swapped in and
 * logged with what changed; a part that does not keeps what is in force, and every problem the
 * configuration check finds is logged, one a line. Keys outside those parts are compared too,
 * and each that changed is logged as waiting for a restart.
 */
public final class Hangup {
    private static final Logger LOG = LoggerFactory.getLogger(Hangup.class);

    private final Balancer balancer;
    private final BalancerSettings settings;
    private final Supplier<List<String>> check;

    /**
     * @param settings what {@code balancer} was started with
     * @param check the problems {@code siplb check} finds in the configuration as it is now, logged
     *     when a part cannot be reloaded
     */
    public Hangup(Balancer balancer, BalancerSettings settings, Supplier<List<String>> check) {
        this.balancer = Objects.requireNonNull(balancer, "balancer");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.check = Objects.requireNonNull(check, "check");
    }

    /** Reloads on every SIGHUP, on a thread of its own; false (and logged) where the JVM has no such signal. */
    public boolean install() {
        try {
            Signal.handle(new Signal("HUP"), signal -> new Thread(this::reload, "siplb-reload").start());
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.warn("SIGHUP cannot be handled here ({}); reload with siplb ctl reload, routes reload, tls reload",
                    e.getMessage());
            return false;
        }
    }

    /**
     * One reload, as SIGHUP runs it.
     *
     * @return the parts that could not be reloaded and kept their old state; empty when all were
     */
    public synchronized List<String> reload() {
        LOG.info("SIGHUP: reloading the destinations, the routes and the TLS material");
        List<String> kept = new ArrayList<>();
        if (!balancer.destinations().reload("SIGHUP").isEmpty()) {
            kept.add("destinations");
        }
        ConfigValues fresh = null;
        try {
            fresh = settings.source().get();
            Set<String> before = new TreeSet<>(balancer.router().names());
            Set<String> after = new TreeSet<>(balancer.reloadRoutes().names());
            LOG.info("SIGHUP: routes {}", before.equals(after) ? "reloaded, the same names " + after
                    : "were " + before + ", now " + after);
        } catch (ConfigException e) {
            LOG.warn("SIGHUP: the routes in force stay: {}", e.getMessage());
            kept.add("routes");
        }
        if (settings.streams().certificate() != null || settings.streams().trust() != null) {
            try {
                balancer.reloadTls();
            } catch (ConfigException e) {
                LOG.warn("SIGHUP: the TLS material in force stays: {}", e.getMessage());
                kept.add("tls");
            }
        }
        if (fresh != null) {
            restartOnly(settings.config(), fresh);
        }
        if (!kept.isEmpty()) {
            for (String problem : check.get()) {
                LOG.warn("SIGHUP: {}", problem);
            }
            LOG.warn("SIGHUP: kept as they were: {}; run siplb check --config FILE to see the problems", kept);
        }
        return kept;
    }

    /** Logs each key outside the routes whose value changed: it is read at start only. */
    private static void restartOnly(ConfigValues running, ConfigValues fresh) {
        Set<String> keys = new TreeSet<>(running.keys());
        keys.addAll(fresh.keys());
        for (String key : keys) {
            String was = running.string(key, "");
            String now = fresh.string(key, "");
            if (!was.equals(now) && !Routes.reloads(key)) {
                LOG.warn("SIGHUP: {} changed from '{}' to '{}': it takes effect at the next start", key, was, now);
            }
        }
    }
}
