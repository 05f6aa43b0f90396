package io.siplb.transport.probe;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationDefinition;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.dispatch.DestinationState;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.Drain;
import io.siplb.core.dispatch.LatencyStats;
import io.siplb.core.sip.SipMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import reactor.core.Disposable;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Probes destinations with {@code siplb.probe.method} (OPTIONS) every {@code siplb.probe.interval},
 * each destination at its own offset in the interval (not all in one burst), at most one probe
 * in flight per destination, each waiting {@code siplb.probe.timeout} for its answer. Results move
 * the destination through the dispatcher's thresholds with Kamailio's probing modes; round trips
 * feed its latency statistics (algorithm 13).
 *
 * <p>Kamailio's modes, as applied here: which destinations are probed — mode 0 and 3 those
 * flagged probing, 1 all (not disabled, not flagged 32 "never probe"), 2 those flagged probing
 * and inactive. On success the probing flag is kept in modes 1 and 3 and cleared in 0 and 2; on
 * failure it is set in modes 1–3. In mode 0 Kamailio also clears it on failure, which stops
 * probing the one destination that needs it; siplb keeps it there.
 *
 * <p>A destination (or DNS target) that a call's failure took down is probed again at once and
 * then every {@code siplb.probe.recheck} until it answers, whatever the mode: a transient — one
 * attempt that timed out while the machine was starved — then costs a second, not an interval.
 */
public final class Prober implements AutoCloseable {
    /** How often due destinations are looked for; probes then go out spread over the interval. */
    private static final Duration TICK = Duration.ofMillis(100);

    private final ProbeSettings settings;
    private final Dispatcher dispatcher;
    private final IntFunction<ProbeChannel> channels;
    private final int channelCount;
    private final Scheduler scheduler;
    private final Map<String, Schedule> schedules = new ConcurrentHashMap<>();
    /** Probes sent, and how they ended: read by {@code /metrics} ({@code siplb_probes_*_total}). */
    final LongAdder sent = new LongAdder();
    final LongAdder alive = new LongAdder();
    private final LongAdder loadRejected = new LongAdder();
    final LongAdder failed = new LongAdder();
    private volatile boolean active = true;
    private volatile BooleanSupplier silenceDoubtful = () -> false;
    private volatile Predicate<Destination> probedHere = destination -> true;
    private Disposable ticker;

    /** A socket's proxy and the loop to run its probe on. */
    public interface ProbeChannel {
        void execute(Runnable task);

        Mono<SipMessage> probe(Destination destination, String method, String from, Duration timeout);

        /** Probes one DNS target of {@code destination} (an SRV target, one A/AAAA address). */
        Mono<SipMessage> probe(Destination destination, DestinationTarget target, String method,
                String from, Duration timeout);
    }

    private static final class Schedule {
        volatile long dueNanos;
        volatile boolean inFlight;
        /** Probed at {@code siplb.probe.recheck}: a call's failure took it down. */
        volatile boolean rechecking;
        volatile long sentNanos;
    }

    public Prober(ProbeSettings settings, Dispatcher dispatcher, int channelCount, IntFunction<ProbeChannel> channels,
            Scheduler scheduler) {
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.channelCount = channelCount;
        this.channels = channels;
        this.scheduler = scheduler;
    }

    public void start() {
        if (settings.enabled()) {
            ticker = Flux.interval(TICK, TICK, scheduler).subscribe(tick -> probeDue());
            LoggerFactory.getLogger(Prober.class).info("probing with {}", settings.describe());
        }
    }

    /** Probing on or off at run time ({@code POST /dispatcher/ping?active=0|1}). */
    public void active(boolean on) {
        active = on;
    }

    /** The switch of {@link #active(boolean)} alone, whether or not probing is configured. */
    public boolean switchedOn() {
        return active;
    }

    public boolean active() {
        return active && settings.enabled();
    }

    /** Probes sent since start. */
    public long sentCount() {
        return sent.sum();
    }

    /** Probes that ended alive: a 2xx, or a code of {@code siplb.probe.reply-codes}. */
    public long aliveCount() {
        return alive.sum();
    }

    /** Probes that ended failed: no final response in time, or a code that does not count as alive. */
    public long failedCount() {
        return failed.sum();
    }

    private void probeDue() {
        if (!active) {
            return;
        }
        long now = scheduler.now(TimeUnit.NANOSECONDS); // virtual in tests
        long interval = settings.interval().toNanos();
        int index = 0;
        for (DestinationSet set : dispatcher.sets()) {
            for (Destination destination : set.destinations()) {
                index++;
                if (!probedHere.test(destination)) {
                    continue; // another node of the cluster probes it (siplb.cluster.probe=shared)
                }
                if (!chosen(destination) && !(recheckOn() && rechecked(destination))) {
                    continue;
                }
                List<DestinationTarget> targets = destination.targets();
                if (targets == null) {
                    due(destination, null, destination.key(), now, interval, index);
                    continue;
                }
                for (DestinationTarget target : targets) { // each target on its own
                    due(destination, target, destination.key() + " "
                            + target.transport() + ":" + target.address(), now, interval, index++);
                }
            }
        }
    }

    private void due(Destination destination, DestinationTarget target, String key, long now,
            long interval, int index) {
        Schedule schedule = schedules.computeIfAbsent(key, k -> {
            Schedule fresh = new Schedule();
            // spread the first probes over the interval rather than sending them in one burst
            fresh.dueNanos = now + ThreadLocalRandom.current().nextLong(interval);
            return fresh;
        });
        boolean recheck = recheckOn() && (target == null ? destination.recheck() : target.recheck());
        if (recheck && !schedule.rechecking) {
            schedule.dueNanos = now; // a call's failure took it down: checked again at once
        } else if (!recheck && schedule.rechecking) {
            schedule.dueNanos = schedule.sentNanos + interval; // it answered: back to the interval
        }
        schedule.rechecking = recheck;
        if (schedule.inFlight || now < schedule.dueNanos) {
            return;
        }
        schedule.inFlight = true;
        schedule.sentNanos = now;
        schedule.dueNanos = now + (recheck ? Math.min(settings.recheck().toNanos(), interval) : interval);
        send(destination, target, schedule, channels.apply(index % channelCount));
    }

    private boolean recheckOn() {
        return !settings.recheck().isZero();
    }

    /** Whether a call's failure took it (or one of its targets) down, whatever the probing mode says. */
    private static boolean rechecked(Destination destination) {
        if (destination.state().disabled() || (destination.definition().flags() & DestinationDefinition.NO_PING) != 0) {
            return false;
        }
        if (destination.recheck()) {
            return true;
        }
        List<DestinationTarget> targets = destination.targets();
        if (targets != null) {
            for (DestinationTarget target : targets) {
                if (target.recheck()) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean chosen(Destination destination) {
        DestinationState state = destination.state();
        if (state.disabled() || (destination.definition().flags() & DestinationDefinition.NO_PING) != 0) {
            return false;
        }
        return switch (settings.mode()) {
            case 1 -> true;
            case 2 -> state.probing() && state.inactive();
            default -> state.probing();
        };
    }

    private void send(Destination destination, DestinationTarget target, Schedule schedule,
            ProbeChannel channel) {
        String from = destination.attributes().pingFrom() != null ? destination.attributes().pingFrom() : settings.from();
        channel.execute(() -> {
            long started = System.nanoTime();
            sent.increment();
            (target == null ? channel.probe(destination, settings.method(), from, settings.timeout())
                    : channel.probe(destination, target, settings.method(), from, settings.timeout()))
                    .map(Optional::of)
                    .defaultIfEmpty(Optional.empty())
                    .doOnNext(answer -> {
                        if (target == null) {
                            result(destination, answer.orElse(null), started);
                        } else {
                            targetResult(destination, target, answer.orElse(null), started);
                        }
                    })
                    .doFinally(signal -> schedule.inFlight = false)
                    .subscribe();
        });
    }

    /**
     * Probes only the destinations {@code here} accepts, whatever the mode and rechecks say: with
     * {@code siplb.cluster.probe=shared} the others are another node's to probe.
     */
    public void probeOnly(Predicate<Destination> here) {
        this.probedHere = here;
    }

    /**
     * Probes that time out while {@code doubtful} says so are not judged: the answer may have
     * gone to another process sharing our port ({@code ProxyTables.sharePort}).
     */
    public void spareSilenceWhile(BooleanSupplier doubtful) {
        this.silenceDoubtful = doubtful;
    }

    /** A final response, or {@code null} when none came in time. */
    private void result(Destination destination, SipMessage response, long startedNanos) {
        if (response == null && silenceDoubtful.getAsBoolean()) {
            return;
        }
        boolean ok = alive(destination.latency(), response, startedNanos, heard(destination, response));
        dispatcher.probed(destination, ok, keepProbing(ok, destination.state().probing()));
    }

    /**
     * What a reply says of its destination besides its status: the load it reports
     * ({@link ProbeLoad}), and whether it is closing ({@link ProbeDrain}) — then it drains and the
     * reply counts as alive (its live dialogs still need it), while any other reply ends a drain a
     * probe began. Returns whether it is closing; {@code false} without a reply.
     */
    private boolean heard(Destination destination, SipMessage response) {
        if (response == null) {
            return false;
        }
        report(destination, response);
        boolean closing = settings.drain().says(response);
        dispatcher.drain(destination, closing ? Drain.PROBE : Drain.NONE, false);
        return closing;
    }

    /** A target's probe: its own latency and state; the destination's usability follows its targets. */
    private void targetResult(Destination destination, DestinationTarget target,
            SipMessage response, long startedNanos) {
        if (response == null && silenceDoubtful.getAsBoolean()) {
            return;
        }
        boolean ok = alive(target.latency(), response, startedNanos, heard(destination, response));
        dispatcher.probed(destination, target, ok, keepProbing(ok, target.state().probing()));
    }

    /**
     * Takes the load the reply reports ({@link ProbeLoad}); a figure that is no integer from 0 to
     * 2^31-1 is ignored and counted, and the destination keeps its last good report until it ages.
     */
    private void report(Destination destination, SipMessage response) {
        ProbeLoad load = settings.load();
        if (!load.enabled()) {
            return;
        }
        int calls = ProbeLoad.figure(response, load.callsHeader());
        int capacity = ProbeLoad.figure(response, load.capacityHeader());
        if (calls == ProbeLoad.BAD || capacity == ProbeLoad.BAD) {
            loadRejected.increment();
        } else if (calls != ProbeLoad.ABSENT) {
            dispatcher.report(destination, calls, capacity, load.ttl().toNanos());
        }
    }

    /** Load figures in probe replies that were no integer from 0 to 2^31-1, ignored. */
    public long loadRejected() {
        return loadRejected.sum();
    }

    /** Records the round trip (or timeout) and counts the probe; whether it says alive (a closing reply does). */
    private boolean alive(LatencyStats latency, SipMessage response, long startedNanos, boolean closing) {
        if (response == null) {
            latency.recordTimeout();
            failed.increment();
            return false;
        }
        latency.record((System.nanoTime() - startedNanos) / 1_000_000.0);
        int status = response.statusCode();
        boolean ok = status >= 200 && status < 300 || settings.aliveCodes().contains(status) || closing;
        (ok ? alive : failed).increment();
        return ok;
    }

    /** Kamailio's probing-mode rules: whether the probing flag stays (or is gained) after a result. */
    private boolean keepProbing(boolean ok, boolean probing) {
        return ok ? settings.mode() == 1 && probing || settings.mode() == 3 : settings.mode() != 0 || probing;
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.dispose();
        }
    }
}
