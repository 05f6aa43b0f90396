package io.siplb.transport;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationListener;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.dispatch.DestinationState;
import io.siplb.core.dispatch.SetHealth;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the balancer logs and counts of its destinations' health: every crossing between usable
 * and not counted ({@code siplb_destinations_down_total}, {@code _up_total}), and logged at most
 * once per destination in 5 s, with how many crossings went unlogged since — a destination that
 * refuses some calls and answers its recheck at once crosses several times a second, and each
 * crossing a line would drown the log; a set's panic logged when it begins and when it ends.
 */
final class DestinationLog implements DestinationListener {
    private static final Logger LOG = LoggerFactory.getLogger(Balancer.class);
    private static final long CROSSING_LOG_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final int panicThreshold;
    private final LongAdder down = new LongAdder();
    private final LongAdder up = new LongAdder();
    /** Per destination (set and URI): when a crossing was last logged, and how many since were not. */
    private final Map<String, long[]> crossingsLogged = new ConcurrentHashMap<>();

    DestinationLog(int panicThreshold) {
        this.panicThreshold = panicThreshold;
    }

    @Override
    public void usabilityChanged(Destination destination, DestinationState before, DestinationState after) {
        (after.usable() ? up : down).increment();
        long now = System.nanoTime();
        long[] logged = crossingsLogged.computeIfAbsent(destination.key(),
                key -> new long[] {now - CROSSING_LOG_NANOS, 0});
        long unlogged;
        synchronized (logged) {
            if (now - logged[0] < CROSSING_LOG_NANOS) {
                logged[1]++;
                return;
            }
            logged[0] = now;
            unlogged = logged[1];
            logged[1] = 0;
        }
        String since = unlogged == 0 ? "" : " (" + unlogged + " more crossing" + (unlogged == 1 ? "" : "s")
                + " since the last line: siplb_destinations_down_total/_up_total count them all)";
        if (after.usable()) {
            LOG.info("destination {} of set {} is up ({} -> {}){}", destination.uri(), destination.setId(), before,
                    after, since);
        } else {
            LOG.warn("destination {} of set {} is down ({} -> {}){}", destination.uri(), destination.setId(), before,
                    after, since);
        }
    }

    @Override
    public void panicChanged(DestinationSet set, SetHealth health, boolean entered) {
        if (entered) {
            LOG.warn("set {} is in panic: {} of {} destinations usable, below siplb.dispatch.panic-threshold ({}%); "
                    + "routing to every one not disabled or set down by an operator until enough are back",
                    set.id(), health.usable(), health.counted(), panicThreshold);
        } else {
            LOG.info("set {} left panic: {} of {} destinations usable", set.id(), health.usable(), health.counted());
        }
    }

    /** Destinations that went down since start. */
    long down() {
        return down.sum();
    }

    /** Destinations that came up since start. */
    long up() {
        return up.sum();
    }
}
