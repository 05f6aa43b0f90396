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
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP, as {@code systemctl reload siplb} sends it: the destinations (the list file or the
 * database table), the routes and the TLS certificate, key and trust are read again, each on its
 * own — what {@code kamcmd dispatcher.reload} and a TLS reload do for Kamailio. Each part that reads
 * well is swapped in and logged with what changed; a part that does not keeps what is in force and
 * says why (the destinations every bad line or row; for the routes and TLS, every problem the
 * configuration check finds, one a line). Keys outside those parts are compared too, and each that
 * changed is logged as waiting for a restart.
 */
public final class Hangup {
    private static final Logger LOG = LoggerFactory.getLogger(Hangup.class);

    private volatile Balancer balancer;
    private volatile BalancerSettings settings;
    private final Supplier<List<String>> check;

    /**
     * Installed before the balancer starts ({@link #serve} once it has), so that a SIGHUP during
     * start-up is logged and ignored rather than ending the process.
     *
     * @param check the problems {@code siplb check} finds in the configuration as it is now, logged
     *     when a part cannot be reloaded
     */
    public Hangup(Supplier<List<String>> check) {
        this.check = Objects.requireNonNull(check, "check");
    }

    /** For a balancer already serving. */
    public Hangup(Balancer balancer, BalancerSettings settings, Supplier<List<String>> check) {
        this(check);
        serve(balancer, settings);
    }

    /** From now on a SIGHUP reloads {@code balancer}, started with {@code settings}. */
    public void serve(Balancer balancer, BalancerSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.balancer = Objects.requireNonNull(balancer, "balancer");
    }

    /** Reloads on every SIGHUP, on a thread of its own; false (and logged) where the JVM has no such signal. */
    public boolean install() {
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                if (balancer == null) {
                    LOG.warn("SIGHUP during start-up: nothing to reload yet; ignored");
                    return;
                }
                Thread thread = new Thread(this::reload, "siplb-reload");
                thread.setDaemon(true);
                thread.start();
            });
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.warn("SIGHUP cannot be handled here ({}); reload with siplb ctl reload, routes reload, tls reload",
                    e.getMessage());
            return false;
        }
    }

    /**
     * One reload, as SIGHUP runs it. Each part is tried whatever the others do; an unexpected
     * failure of one is logged and that part counts as kept.
     *
     * @return the parts that could not be reloaded and kept their old state; empty when all were
     */
    public synchronized List<String> reload() {
        LOG.info("SIGHUP: reloading the destinations, the routes and the TLS material");
        List<String> kept = new ArrayList<>();
        part(kept, "destinations", () -> balancer.destinations().reload("SIGHUP").isEmpty());
        part(kept, "routes", () -> {
            Set<String> before = new TreeSet<>(balancer.router().names());
            Set<String> after = new TreeSet<>(balancer.reloadRoutes().names());
            LOG.info("SIGHUP: routes {}", before.equals(after) ? "reloaded, the same names " + after
                    : "were " + before + ", now " + after);
            return true;
        });
        if (settings.streams().certificate() != null || settings.streams().trust() != null) {
            part(kept, "tls", () -> {
                balancer.reloadTls();
                return true;
            });
        }
        try {
            restartOnly(settings.config(), settings.source().get());
        } catch (RuntimeException e) {
            LOG.warn("SIGHUP: the configuration could not be read again: {}", e.getMessage());
        }
        if (kept.contains("routes") || kept.contains("tls")) {
            // a ConfigException names the first problem; the check lists them all (the destinations
            // have already said each of theirs, and are not read a second time for nothing)
            for (String problem : check.get()) {
                LOG.warn("SIGHUP: {}", problem);
            }
        }
        if (!kept.isEmpty()) {
            LOG.warn("SIGHUP: kept as they were: {}; the lines above say why", kept);
        }
        return kept;
    }

    /** Runs one part; {@code false}, a {@link ConfigException} or any other failure keeps it as it was. */
    private static void part(List<String> kept, String name, BooleanSupplier reload) {
        try {
            if (!reload.getAsBoolean()) {
                kept.add(name);
            }
        } catch (ConfigException e) {
            LOG.warn("SIGHUP: the {} in force stay: {}", name, e.getMessage());
            kept.add(name);
        } catch (RuntimeException e) {
            LOG.warn("SIGHUP: reloading the {} failed, they stay: {}", name, e.toString(), e);
            kept.add(name);
        }
    }

    /**
     * Logs each key outside the routes whose value changed: it is read at start only. Values of
     * secrets (passwords, tokens) and of URLs that may hold one are not shown.
     */
    private static void restartOnly(ConfigValues running, ConfigValues fresh) {
        Set<String> keys = new TreeSet<>(running.keys());
        keys.addAll(fresh.keys());
        for (String key : keys) {
            String was = running.string(key, "");
            String now = fresh.string(key, "");
            if (was.equals(now) || Routes.reloads(key)) {
                continue;
            }
            if (secret(key)) {
                LOG.warn("SIGHUP: {} changed (value not shown): it takes effect at the next start", key);
            } else {
                LOG.warn("SIGHUP: {} changed from '{}' to '{}': it takes effect at the next start", key, was, now);
            }
        }
    }

    private static boolean secret(String key) {
        return key.endsWith("password") || key.endsWith("token") || key.equals("siplb.destinations.db")
                || key.equals("siplb.cluster.redis");
    }
}
