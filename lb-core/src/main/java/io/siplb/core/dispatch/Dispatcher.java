package io.siplb.core.dispatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Every destination set, as an immutable snapshot replaced atomically on reload, and beside it
 * the runtime state of each destination keyed by set and URI. A reload keeps the state, load and
 * latency of every destination whose set, URI and flags column did not change (Kamailio forgets
 * them all).
 *
 * <p>Selectors read the snapshot and states without locks; reloads, marks and probe results are
 * rare and serialised.
 */
public final class Dispatcher {
    private final StateThresholds thresholds;
    private final double latencyAlpha;
    private final List<DestinationListener> listeners = new CopyOnWriteArrayList<>();
    private volatile Map<Integer, DestinationSet> sets = Map.of();
    private volatile List<DestinationSet> ordered = List.of();
    private volatile Map<DestinationDefinition.DestinationKey, Destination> byKey = Map.of();
    private final Map<String, AtomicInteger> loads = new HashMap<>();
    private final Map<String, AtomicInteger> remoteLoads = new ConcurrentHashMap<>();
    private final AtomicLong listenerFailures = new AtomicLong();
    /** Each set's panic state by set id, kept across reloads (an episode is one episode). */
    private final Map<Integer, SetHealth> health = new ConcurrentHashMap<>();
    private final int panicThreshold;

    /**
     * @param thresholds how many failures make a destination inactive and successes bring it back
     * @param latencyAlpha weight of the old value in the latency estimate, in (0, 1)
     * @param panicThreshold {@code siplb.dispatch.panic-threshold}: the percentage of a set's
     *     destinations below which it is in panic ({@link SetHealth}); 0 never
     */
    public Dispatcher(StateThresholds thresholds, double latencyAlpha, int panicThreshold) {
        this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
        if (!(latencyAlpha > 0 && latencyAlpha < 1)) {
            throw new IllegalArgumentException("latency alpha " + latencyAlpha + " must be in (0, 1)");
        }
        if (panicThreshold < 0 || panicThreshold > 100) {
            throw new IllegalArgumentException("panic threshold " + panicThreshold + " must be 0 to 100");
        }
        this.latencyAlpha = latencyAlpha;
        this.panicThreshold = panicThreshold;
    }

    /** Without a panic threshold: a set whose destinations all failed has nothing usable. */
    public Dispatcher(StateThresholds thresholds, double latencyAlpha) {
        this(thresholds, latencyAlpha, 0);
    }

    /** A dispatcher with Kamailio's default thresholds (1, 1) and estimator alpha (0.9), no panic. */
    public Dispatcher() {
        this(StateThresholds.DEFAULT, 0.9);
    }

    public void addListener(DestinationListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** The set {@code id}, or {@code null} when there is none. */
    public DestinationSet set(int id) {
        return sets.get(id);
    }

    /** Every set, in ascending id order. */
    public List<DestinationSet> sets() {
        return ordered;
    }

    /** The destination of set {@code setId} whose URI is written {@code uri}. */
    public Optional<Destination> find(int setId, String uri) {
        return Optional.ofNullable(byKey.get(new DestinationDefinition.DestinationKey(setId, uri)));
    }

    /**
     * Reads {@code file} and, when every line is good, makes it the list in force.
     *
     * @throws DestinationListException naming {@code file:line} of the first bad line; the list in
     *     force is then unchanged
     */
    public void reload(Path file) throws DestinationListException {
        load(DestinationListParser.read(file));
    }

    /** Makes {@code definitions} the list in force, keeping the runtime of unchanged destinations; listeners hear it. */
    public synchronized void load(List<DestinationDefinition> definitions) {
        Map<DestinationDefinition.DestinationKey, Destination> next = new HashMap<>();
        Map<Integer, List<Destination>> grouped = new TreeMap<>();
        for (DestinationDefinition definition : definitions) {
            Destination previous = byKey.get(definition.key());
            DestinationRuntime runtime = previous != null && previous.definition().flags() == definition.flags()
                    ? previous.runtime()
                    : runtime(definition);
            SetHealth setHealth = health.computeIfAbsent(definition.setId(), id -> new SetHealth());
            // an unchanged line keeps its object (its runtime and its set's health are the ones above):
            // a reload of a large list leaves little to collect
            Destination destination = previous != null && previous.definition().equals(definition)
                    ? previous : new Destination(definition, runtime, setHealth);
            if (next.putIfAbsent(definition.key(), destination) != null) {
                throw new IllegalArgumentException("destination " + definition.uri().text()
                        + " appears twice in set " + definition.setId());
            }
            grouped.computeIfAbsent(definition.setId(), id -> new ArrayList<>()).add(destination);
        }
        Map<Integer, DestinationSet> built = new TreeMap<>();
        grouped.forEach((id, members) -> built.put(id, new DestinationSet(id, kamailioOrder(members))));
        byKey = next;
        sets = Map.copyOf(built);
        ordered = List.copyOf(built.values());
        health.keySet().retainAll(built.keySet());
        for (DestinationSet set : ordered) {
            assess(set.id());
        }
        tellEach(DestinationListener::listLoaded);
    }

    /** The panic state of set {@code id}, or {@code null} when there is no such set. */
    public SetHealth health(int id) {
        return sets.containsKey(id) ? health.get(id) : null;
    }

    /** Panic episodes of every set since start ({@code siplb_set_panic_total}). */
    public long panicEpisodes() {
        long total = 0;
        for (SetHealth h : health.values()) {
            total += h.episodes();
        }
        return total;
    }

    /**
     * Counts set {@code id}'s usable destinations against those that count (all but disabled or
     * operator-held ones) and enters or leaves panic; listeners hear a change.
     */
    private void assess(int id) {
        DestinationSet set = sets.get(id);
        SetHealth h = health.get(id);
        if (set == null || h == null) {
            return;
        }
        int usable = 0;
        int counted = 0;
        for (Destination d : set.array()) {
            if (!d.runtime().operatorHeld()) {
                counted++;
                if (d.healthy()) {
                    usable++;
                }
            }
        }
        int change = h.assess(usable, counted, panicThreshold);
        if (change != 0) {
            tellEach(listener -> listener.panicChanged(set, h, change > 0));
        }
    }

    /** Adds one destination at run time (admin API); it joins its set in priority order. */
    public synchronized void add(DestinationDefinition definition) {
        List<DestinationDefinition> all = definitions();
        all.add(definition);
        load(all);
    }

    /** Removes a destination at run time; false when there was none. */
    public synchronized boolean remove(int setId, String uri) {
        List<DestinationDefinition> all = definitions();
        boolean removed = all.removeIf(d -> d.setId() == setId && d.uri().text().equals(uri));
        if (removed) {
            load(all);
        }
        return removed;
    }

    /** The definitions in force, in set order. */
    public synchronized List<DestinationDefinition> definitions() {
        List<DestinationDefinition> all = new ArrayList<>();
        for (DestinationSet set : ordered) {
            for (Destination d : set.array()) {
                all.add(d.definition());
            }
        }
        return all;
    }

    /**
     * Kamailio's order: priority descending; among equals the later line first, because each line
     * is put at the head of its priority group.
     */
    private static Destination[] kamailioOrder(List<Destination> members) {
        List<Destination> ordered = new ArrayList<>(members);
        Collections.reverse(ordered);
        ordered.sort(Comparator.comparingInt(Destination::priority).reversed()); // stable
        return ordered.toArray(Destination[]::new);
    }

    private DestinationRuntime runtime(DestinationDefinition definition) {
        String duid = definition.attributes().duid();
        String key = definition.setId() + " " + (duid != null ? "duid " + duid : definition.uri().text());
        return new DestinationRuntime(definition.initialState().flags(), key,
                loads.computeIfAbsent(key, k -> new AtomicInteger()),
                remoteLoads.computeIfAbsent(key, k -> new AtomicInteger()), latencyAlpha);
    }

    /**
     * This node's call count under every load key of the list in force that has calls now
     * ({@link Destination#loadKey()}): what a cluster node publishes.
     */
    public Map<String, Integer> localLoads() {
        Map<String, Integer> counts = new TreeMap<>();
        for (Destination d : byKey.values()) {
            int count = d.localLoad();
            if (count > 0) {
                counts.put(d.loadKey(), count);
            }
        }
        return counts;
    }

    /**
     * Sets what the other nodes of a cluster count under each load key: {@code sums} by key, and 0
     * for every key it does not name. Selectors see it at once through {@link Destination#load()}.
     */
    public void remoteLoads(Map<String, Integer> sums) {
        for (Map.Entry<String, AtomicInteger> entry : remoteLoads.entrySet()) {
            Integer sum = sums.get(entry.getKey());
            entry.getValue().set(sum == null ? 0 : sum);
        }
    }

    /**
     * Sets the addresses DNS gave for every destination whose URI is written {@code uri} (any set):
     * targets already known by transport, address and port keep their state; the others start
     * active. Transactions under way keep the address they were sent to.
     *
     * @return whether any destination has that URI
     */
    public boolean expand(String uri, List<DestinationTarget> targets) {
        boolean found = false;
        for (Destination destination : byKey.values()) {
            if (!destination.uri().text().equals(uri)) {
                continue;
            }
            found = true;
            DestinationRuntime runtime = destination.runtime();
            synchronized (runtime) {
                if (runtime.targetsSource == targets) {
                    continue; // this very answer is in force already
                }
                runtime.targetsSource = targets;
                List<DestinationTarget> old = runtime.targets();
                Map<String, DestinationTarget> known = new HashMap<>();
                if (old != null) {
                    old.forEach(t -> known.put(t.key(), t));
                }
                List<DestinationTarget> next = new ArrayList<>(targets.size());
                for (DestinationTarget target : targets) {
                    DestinationTarget previous = known.get(target.key());
                    next.add(previous == null ? target : target.keeping(previous));
                }
                runtime.targets(List.copyOf(next));
            }
            assess(destination.setId());
        }
        return found;
    }

    /** A failed attempt to one target of a destination named by DNS, per {@code siplb.failover.mark}. */
    public void markFailure(Destination destination, DestinationTarget target, FailureMark mark) {
        if (target == null) {
            markFailure(destination, mark);
            return;
        }
        boolean before = destination.healthy();
        switch (mark) {
            case NONE -> { }
            case TRYING -> keepingProbing(target.runtime(), DestinationState.TRYING);
            case INACTIVE -> keepingProbing(target.runtime(), DestinationState.INACTIVE);
        }
        if (!target.runtime().usable()) {
            target.runtime().recheck = true;
        }
        notifyIfTargetsCrossed(destination, before);
    }

    /** A probe result for one target, as {@link #probed(Destination, boolean, boolean)} for a destination. */
    public void probed(Destination destination, DestinationTarget target, boolean alive, boolean probing) {
        if (destination.state().disabled()) {
            return;
        }
        boolean before = destination.healthy();
        probed(target.runtime(), alive, probing);
        notifyIfTargetsCrossed(destination, before);
    }

    /** The destination's usability follows its targets: listeners hear when it crosses. */
    private void notifyIfTargetsCrossed(Destination destination, boolean before) {
        boolean after = destination.healthy();
        if (before != after) {
            DestinationState state = destination.state();
            DestinationState down = new DestinationState(state.flags() | DestinationState.INACTIVE);
            tell(destination, before ? state : down, after ? state : down);
        }
    }

    /**
     * What a failed attempt does, per {@code siplb.failover.mark}; a destination it leaves
     * unusable is to be checked again soon ({@link Destination#recheck()}).
     */
    public void markFailure(Destination destination, FailureMark mark) {
        switch (mark) {
            case NONE -> { }
            case TRYING -> request(destination, DestinationState.TRYING);
            case INACTIVE -> request(destination, DestinationState.INACTIVE);
        }
        if (!destination.runtime().usable()) {
            destination.runtime().recheck = true;
        }
    }

    /**
     * A probe result: alive moves the destination back towards active, a failure or timeout to
     * trying and then inactive, each after its threshold ({@code siplb.probe.*-threshold}).
     * {@code probing} says whether the destination keeps (or gains) the probing flag after it —
     * Kamailio's probing-mode rules, applied by the prober. Disabled destinations are untouched.
     */
    public void probed(Destination destination, boolean alive, boolean probing) {
        if (destination.state().disabled()) {
            return;
        }
        notifyIfCrossed(destination, probed(destination.runtime(), alive, probing));
    }

    /** Alive moves a runtime back towards active, a failure to trying; returns the state before. */
    private DestinationState probed(DestinationRuntime runtime, boolean alive, boolean probing) {
        int flag = probing ? DestinationState.PROBING : 0;
        return runtime.request((alive ? 0 : DestinationState.TRYING) | flag, thresholds);
    }

    /**
     * Takes a state another node of the cluster decided ({@link DestinationRuntime#adopt}); a
     * destination left unusable is checked again soon when {@code recheck} (this node probes it).
     * Listeners hear a crossing as for a local change.
     */
    public void adopt(Destination destination, DestinationState state, boolean byOperator, boolean recheck) {
        DestinationState before = destination.runtime().adopt(state, byOperator);
        if (recheck && !destination.runtime().usable()) {
            destination.runtime().recheck = true;
        }
        notifyIfCrossed(destination, before);
        if (byOperator) {
            assess(destination.setId());
        }
    }

    /**
     * Sets a state as the operator asks (no thresholds); listeners still hear a crossing. Setting
     * a usable state ends a drain, as an operator's {@code state=active} after {@code state=drain}.
     */
    public void setState(Destination destination, DestinationState state) {
        if (state.usable()) {
            drain(destination, Drain.NONE, true);
        }
        DestinationState before = destination.runtime().set(state);
        notifyIfCrossed(destination, before);
        tellEach(listener -> listener.stateSet(destination, state)); // after the crossing: the setting is the last word
        assess(destination.setId()); // an operator's change counts even where it crosses nothing
    }

    /**
     * Starts or ends a drain ({@link Drain}), and says whether it changed: {@link Drain#NONE} ends one
     * when {@code byOperator} or when the probe started it; a probe never ends or replaces an
     * operator's drain. Listeners hear a change.
     */
    public boolean drain(Destination destination, Drain drain, boolean byOperator) {
        DestinationRuntime runtime = destination.runtime();
        synchronized (runtime) {
            Drain now = runtime.drain();
            if (now == drain || !byOperator && now == Drain.OPERATOR) {
                return false;
            }
            runtime.drain(drain);
        }
        tellEach(listener -> listener.drainChanged(destination, drain));
        assess(destination.setId());
        return true;
    }

    /**
     * Takes the load {@code destination} reported in a probe reply (or another node heard), counting
     * until {@code ttlNanos} from now; listeners hear it.
     */
    public void report(Destination destination, int calls, int capacity, long ttlNanos) {
        destination.runtime().reported = new ReportedLoad(calls, capacity, destination.localLoad(),
                System.nanoTime() + ttlNanos);
        tellEach(listener -> listener.loadReported(destination, calls, capacity, ttlNanos));
    }

    /** Asks for a state, keeping the probing flag as it is; thresholds apply. */
    private void request(Destination destination, int stateFlags) {
        notifyIfCrossed(destination, keepingProbing(destination.runtime(), stateFlags));
    }

    /** Asks {@code runtime} for a state, keeping its probing flag; returns the state before. */
    private DestinationState keepingProbing(DestinationRuntime runtime, int stateFlags) {
        int probing = runtime.state().flags() & DestinationState.PROBING;
        return runtime.request(stateFlags | probing, thresholds);
    }

    private void notifyIfCrossed(Destination destination, DestinationState before) {
        DestinationState after = destination.state();
        if (before.usable() != after.usable()) {
            tell(destination, before, after);
        }
    }

    private void tell(Destination destination, DestinationState before, DestinationState after) {
        tellEach(listener -> listener.usabilityChanged(destination, before, after));
        assess(destination.setId());
    }

    /** Tells every listener; one that throws is skipped and counted: the others must still hear it. */
    private void tellEach(Consumer<DestinationListener> message) {
        for (DestinationListener listener : listeners) {
            try {
                message.accept(listener);
            } catch (RuntimeException e) {
                listenerFailures.incrementAndGet();
            }
        }
    }

    /** How many times a listener threw (and was skipped); a listener must not throw. */
    public long listenerFailures() {
        return listenerFailures.get();
    }
}
