package io.siplb.transport.cluster;

import io.lettuce.core.KeyValue;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanStream;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.siplb.core.cluster.ClusterEvent;
import io.siplb.core.cluster.ClusterView;
import io.siplb.core.cluster.NodeRecord;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.dispatch.DestinationState;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.Drain;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What the other nodes decided, applied here: their events as they arrive, the durable part of
 * the state (bans, operators' destination states, drains) when this node (re)connects, and the owners'
 * verdicts with shared probing. Runs on the cluster's thread only. A change applied here is not
 * published again ({@link #applyingHere()}).
 */
final class ClusterInbox {
    private final String id;
    private final Dispatcher dispatcher;
    private final LocalNode local;
    private final Keys keys;
    private final SyncCounters counters;
    private final Predicate<Destination> probedHere;
    /** The thread applying another node's state now: the dispatcher's listeners must not publish it. */
    private volatile Thread applying;

    ClusterInbox(String id, Dispatcher dispatcher, LocalNode local, Keys keys, SyncCounters counters,
            Predicate<Destination> probedHere) {
        this.id = id;
        this.dispatcher = dispatcher;
        this.local = local;
        this.keys = keys;
        this.counters = counters;
        this.probedHere = probedHere;
    }

    /** How a destination is named between nodes: set id and URI as the list writes it. */
    static String key(Destination destination) {
        return destination.key();
    }

    /** Whether the calling thread is applying another node's change now. */
    boolean applyingHere() {
        return applying == Thread.currentThread();
    }

    /** One event line from the channel. */
    void receive(String message) {
        ClusterEvent event;
        try {
            event = ClusterEvent.decode(message);
        } catch (IllegalArgumentException e) {
            counters.garbled.increment();
            return;
        }
        if (event.origin().equals(id)) {
            return;
        }
        counters.eventsReceived.increment();
        if (event instanceof ClusterEvent.Ban ban) {
            local.adoptBan(ban.source(), ban.reason(),
                    Duration.ofMillis(ban.untilEpochMillis() - System.currentTimeMillis()));
        } else if (event instanceof ClusterEvent.Unban unban) {
            local.adoptUnban(unban.source());
        } else if (event instanceof ClusterEvent.State state) {
            dispatcher.find(state.setId(), state.uri()).ifPresent(d -> adopt(d, state.state(), state.byOperator(),
                    !state.byOperator() && probedHere.test(d)));
        } else if (event instanceof ClusterEvent.Drained drained) {
            // the sender's word, whoever began it there
            dispatcher.find(drained.setId(), drained.uri())
                    .ifPresent(d -> apply(() -> dispatcher.drain(d, drained.drain(), true)));
        } else if (event instanceof ClusterEvent.Reported reported) {
            dispatcher.find(reported.setId(), reported.uri()).ifPresent(d -> apply(() ->
                    dispatcher.report(d, reported.calls(), reported.capacity(), reported.ttlMillis() * 1_000_000)));
        } else if (event instanceof ClusterEvent.Reload reload) {
            local.reload(reload.what());
        }
    }

    /**
     * Applies a state another node decided; a destination it takes down that this node probes is
     * checked again at once (a call failed on another node).
     */
    private void adopt(Destination destination, DestinationState state, boolean byOperator, boolean recheck) {
        apply(() -> dispatcher.adopt(destination, state, byOperator, recheck));
    }

    /** Makes another node's change here, marked so the dispatcher's listeners do not publish it back. */
    private void apply(Runnable change) {
        applying = Thread.currentThread();
        try {
            change.run();
        } finally {
            applying = null;
        }
    }

    /**
     * The destination a stored field names ({@code "SET URI"}), if it is in the list here.
     *
     * @throws IllegalArgumentException when the field is not siplb's
     */
    private Optional<Destination> named(String field) {
        String[] words = field.split(" ", 2);
        if (words.length != 2) {
            throw new IllegalArgumentException("not SET URI");
        }
        return dispatcher.find(Integer.parseInt(words[0]), words[1]);
    }

    /**
     * With shared probing: each destination this node does not probe takes the state its owner
     * last published.
     */
    void adoptOwnersStates(List<String> members, Map<String, NodeRecord> live) {
        for (DestinationSet set : dispatcher.sets()) {
            for (Destination d : set.destinations()) {
                String key = key(d);
                String owner = ClusterView.owner(members, key);
                NodeRecord record = owner.equals(id) ? null : live.get(owner);
                DestinationState state = record == null ? null : record.states().get(key);
                if (state != null && !state.equals(d.state())) {
                    adopt(d, state, false, false);
                }
            }
        }
    }

    /** The states of the destinations this node probes for the others ({@code probe=shared}). */
    Map<String, DestinationState> ownedStates(List<String> members) {
        Map<String, DestinationState> states = new HashMap<>();
        for (DestinationSet set : dispatcher.sets()) {
            for (Destination d : set.destinations()) {
                String key = key(d);
                if (ClusterView.owner(members, key).equals(id)) {
                    states.put(key, d.state());
                }
            }
        }
        return states;
    }

    /** The durable part of an event this node publishes: a ban's key, an operator's state, a drain. */
    Mono<?> store(RedisReactiveCommands<String, String> redis, ClusterEvent event) {
        if (event instanceof ClusterEvent.Ban ban) {
            long left = ban.untilEpochMillis() - System.currentTimeMillis();
            return left <= 0 ? Mono.empty() : redis.set(keys.ban(ban.source()), ban.reason() + " " + ban.untilEpochMillis(),
                    SetArgs.Builder.px(left));
        }
        if (event instanceof ClusterEvent.Unban unban) {
            return redis.del(keys.ban(unban.source()));
        }
        if (event instanceof ClusterEvent.Drained drained) {
            String field = drained.setId() + " " + drained.uri();
            return drained.drain() == Drain.NONE ? redis.hdel(keys.drains(), field)
                    : redis.hset(keys.drains(), field, drained.drain().name());
        }
        if (event instanceof ClusterEvent.State state && state.byOperator()) {
            String field = state.setId() + " " + state.uri();
            return state.state().equals(DestinationState.ACTIVE) ? redis.hdel(keys.operator(), field)
                    : redis.hset(keys.operator(), field, Integer.toString(state.state().flags()));
        }
        return Mono.empty();
    }

    /**
     * On (re)connection: this node's bans written (a ban decided while Redis was away reaches the
     * others now), then every node's bans, the operators' states and the drains read and applied.
     */
    Mono<Void> resync(RedisReactiveCommands<String, String> redis) {
        Mono<Void> push = Flux.fromIterable(local.bans().entrySet())
                .filter(ban -> !ban.getValue().left().isNegative() && !ban.getValue().left().isZero())
                .flatMap(ban -> {
                    counters.commands.increment();
                    long until = System.currentTimeMillis() + ban.getValue().left().toMillis();
                    return redis.set(keys.ban(ban.getKey()), ban.getValue().reason() + " " + until,
                            SetArgs.Builder.px(ban.getValue().left().toMillis()));
                })
                .then();
        Mono<Void> bans = ScanStream.scan(redis, ScanArgs.Builder.matches(keys.bans()).limit(500))
                .buffer(500)
                .concatMap(batch -> {
                    counters.commands.add(2);
                    return redis.mget(batch.toArray(String[]::new));
                })
                .collectList()
                .doOnNext(this::adoptBans)
                .then();
        counters.commands.increment();
        Mono<Void> operators = redis.hgetall(keys.operator()).collectList()
                .doOnNext(this::adoptOperatorStates)
                .then();
        counters.commands.increment();
        Mono<Void> drains = redis.hgetall(keys.drains()).collectList()
                .doOnNext(this::adoptDrains)
                .then();
        return push.then(bans).then(operators).then(drains);
    }

    private void adoptBans(List<KeyValue<String, String>> values) {
        long now = System.currentTimeMillis();
        for (KeyValue<String, String> value : values) {
            if (!value.hasValue()) {
                continue;
            }
            try {
                InetAddress source = ClusterEvent.ipLiteral(keys.bannedAddress(value.getKey()));
                String[] words = value.getValue().split(" ");
                if (words.length != 2 || words[0].isEmpty()) {
                    throw new IllegalArgumentException("not REASON UNTIL");
                }
                local.adoptBan(source, words[0], Duration.ofMillis(Long.parseLong(words[1]) - now));
            } catch (IllegalArgumentException e) {
                counters.garbled.increment();
            }
        }
    }

    /** The drains in force in the cluster, for a node that starts or comes back after they began. */
    private void adoptDrains(List<KeyValue<String, String>> fields) {
        for (KeyValue<String, String> field : fields) {
            try {
                Drain drain = Drain.valueOf(field.getValue());
                named(field.getKey()).filter(d -> d.drain() != drain)
                        .ifPresent(d -> apply(() -> dispatcher.drain(d, drain, true)));
            } catch (IllegalArgumentException e) {
                counters.garbled.increment();
            }
        }
    }

    private void adoptOperatorStates(List<KeyValue<String, String>> fields) {
        for (KeyValue<String, String> field : fields) {
            try {
                DestinationState state = new DestinationState(Integer.parseInt(field.getValue()));
                named(field.getKey()).filter(d -> !d.state().equals(state))
                        .ifPresent(d -> adopt(d, state, true, false));
            } catch (IllegalArgumentException e) {
                counters.garbled.increment();
            }
        }
    }
}
