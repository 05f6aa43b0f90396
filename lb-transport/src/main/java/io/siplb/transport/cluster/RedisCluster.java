package io.siplb.transport.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.siplb.core.cluster.Cluster;
import io.siplb.core.cluster.ClusterEvent;
import io.siplb.core.cluster.ClusterStatus;
import io.siplb.core.cluster.ClusterView;
import io.siplb.core.cluster.NodeRecord;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.Dispatcher;
import java.io.File;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The cluster's shared state in Redis, through Lettuce. One thread of its own ({@code siplb-cluster})
 * does everything: every {@code siplb.cluster.sync} it writes this node's {@link NodeRecord} (with
 * the TTL), reads every member's in one round trip and applies the view — the others' call counts
 * to the dispatcher, the probed states of destinations others own ({@code probe=shared}). Events —
 * bans, destination state changes, reloads — are queued by whatever thread decided them and
 * published at once; those of others arrive on the events channel and are applied on the same
 * thread. Nothing waits for Redis on an event loop.
 *
 * <p>Faults: Redis unreachable at start — the node serves alone and tries again after 1 s, doubling
 * to 30 s; lost mid-run — Lettuce reconnects (100 ms doubling to 5 s), commands fail at once
 * meanwhile (counted), the others' shares age out after the TTL, and on reconnection this node
 * pushes its bans and reads everyone's again; slow — a round that has not finished when the next
 * is due is skipped (counted), every command times out after twice the sync interval (at least
 * 500 ms). Values under the prefix that are not siplb's are ignored and counted.
 */
public final class RedisCluster implements Cluster {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCluster.class);
    private static final long FIRST_RETRY_MILLIS = 1_000;
    private static final long LAST_RETRY_MILLIS = 30_000;

    private final ClusterSettings settings;
    private final String id;
    private final Dispatcher dispatcher;
    private final LocalNode local;
    private final Keys keys;
    private final ClusterView view;
    private final ClusterInbox inbox;
    private final Scheduler scheduler = Schedulers.newSingle("siplb-cluster", true);
    private final ClientResources resources;
    private final RedisClient client;
    private final Duration timeout;
    private final ArrayBlockingQueue<ClusterEvent> outbox = new ArrayBlockingQueue<>(10_000);
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    final SyncCounters counters = new SyncCounters();
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    /** Whether a round has read the members since start (shared probing waits for it). */
    private volatile boolean viewKnown;
    /** Whether Redis failed before any round read the members: the node probes everything until one does. */
    private volatile boolean alone;
    private volatile String problem = "";
    private volatile boolean closed;
    /** The next round pushes this node's bans and reads the others' (set at each (re)connection). */
    private boolean resync = true;
    private boolean roundInFlight;
    private boolean wasConnected;
    private long retryMillis = FIRST_RETRY_MILLIS;
    private Disposable ticker;

    private RedisCluster(ClusterSettings settings, Dispatcher dispatcher, LocalNode local, String trust) {
        this.settings = settings;
        this.id = settings.nodeId();
        this.dispatcher = dispatcher;
        this.local = local;
        this.keys = new Keys(settings.prefix());
        this.view = new ClusterView(id, settings.ttl().toNanos(), System::nanoTime);
        this.inbox = new ClusterInbox(id, dispatcher, local, keys, counters, this::probes);
        this.timeout = Duration.ofMillis(Math.max(500, settings.sync().toMillis() * 2));
        this.resources = ClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(5), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources);
        ClientOptions.Builder options = ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build());
        if (settings.redis().isSsl() && !trust.isEmpty()) {
            options.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(new File(trust)).build());
        }
        client.setOptions(options.build());
    }

    /**
     * Starts sharing: connects in the background and synchronises every {@code siplb.cluster.sync}.
     *
     * @param trust {@code siplb.tls.trust}: the PEM certificates a {@code rediss://} server is checked
     *     against; empty for the JDK's trust store
     */
    public static RedisCluster start(ClusterSettings settings, Dispatcher dispatcher, LocalNode local, String trust) {
        RedisCluster cluster = new RedisCluster(settings, dispatcher, local, trust);
        dispatcher.addListener(new ClusterPublisher(cluster.id, cluster.inbox, cluster::publish,
                settings.probe() == ProbeMode.SHARED));
        cluster.scheduler.schedule(cluster::connect);
        cluster.ticker = Flux.interval(settings.sync(), settings.sync(), cluster.scheduler)
                .subscribe(tick -> cluster.round());
        LOG.info("cluster: node {} sharing through {} every {} (TTL {}, probe={})", cluster.id, settings.storeText(),
                settings.sync().toMillis() + "ms", settings.ttl().toMillis() + "ms",
                settings.probe().name().toLowerCase(Locale.ROOT));
        return cluster;
    }

    // ------------------------------------------------------------------ connection

    /**
     * The first value any node proposed for {@code name}, kept in Redis (SET NX): blocks, on a
     * connection of its own, at most the sync timeout; {@code proposed} when Redis is out of reach.
     */
    @Override
    public String agree(String name, String proposed) {
        try (StatefulRedisConnection<String, String> once = client.connect(StringCodec.UTF8, settings.redis())) {
            once.setTimeout(timeout);
            once.sync().set(keys.secret(name), proposed, SetArgs.Builder.nx());
            String agreed = once.sync().get(keys.secret(name));
            return agreed == null ? proposed : agreed;
        } catch (RuntimeException e) {
            LOG.warn("cluster: Redis at {} unreachable for the shared {} ({}): this node uses its own, and the"
                    + " others' tokens fail here; set it in the configuration", settings.storeText(), name,
                    rootMessage(e));
            return proposed;
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        RedisURI uri = settings.redis();
        client.connectAsync(StringCodec.UTF8, uri)
                .thenCompose(main -> client.connectPubSubAsync(StringCodec.UTF8, uri)
                        .whenComplete((sub, error) -> {
                            if (error != null) {
                                main.closeAsync();
                            }
                        })
                        .thenApply(sub -> Map.entry(main, sub)))
                .whenComplete((pair, error) -> scheduler.schedule(() -> connected(pair, error)));
    }

    private void connected(Map.Entry<StatefulRedisConnection<String, String>,
            StatefulRedisPubSubConnection<String, String>> pair, Throwable error) {
        if (error != null) {
            String reason = rootMessage(error);
            if (!alone || !reason.equals(problem)) {
                LOG.warn("cluster: Redis at {} unreachable ({}): serving as a single node, trying again in {} s",
                        settings.storeText(), reason, retryMillis / 1000);
            }
            problem = reason;
            alone = true;
            scheduler.schedule(this::connect, retryMillis, TimeUnit.MILLISECONDS);
            retryMillis = Math.min(retryMillis * 2, LAST_RETRY_MILLIS);
            return;
        }
        if (closed) {
            pair.getKey().closeAsync();
            pair.getValue().closeAsync();
            return;
        }
        StatefulRedisPubSubConnection<String, String> sub = pair.getValue();
        sub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                scheduler.schedule(() -> inbox.receive(message));
            }
        });
        sub.reactive().subscribe(keys.events()).subscribe(null, e -> LOG.warn("cluster: cannot subscribe: {}", e.toString()));
        connection = pair.getKey();
        pubsub = sub;
        retryMillis = FIRST_RETRY_MILLIS;
        resync = true;
        round();
    }

    /** Whether both connections to Redis are up now. */
    private boolean connectedNow() {
        StatefulRedisConnection<String, String> main = connection;
        StatefulRedisPubSubConnection<String, String> sub = pubsub;
        return main != null && main.isOpen() && sub != null && sub.isOpen();
    }

    // ------------------------------------------------------------------ rounds

    /** One synchronisation: publish this node's record, read everyone's, apply the view. */
    private void round() {
        if (closed) {
            return;
        }
        boolean up = connectedNow();
        if (up != wasConnected && connection != null) {
            if (up) {
                LOG.info("cluster: connected to {} as node {}", settings.storeText(), id);
                problem = "";
            } else {
                LOG.warn("cluster: lost Redis at {}: going on with the last view (others' shares age out after {} ms)",
                        settings.storeText(), settings.ttl().toMillis());
                problem = "connection to Redis lost";
                resync = true;
            }
            wasConnected = up;
        }
        applyView();
        if (!up) {
            return;
        }
        if (roundInFlight) {
            counters.behind.increment();
            return;
        }
        roundInFlight = true;
        RedisReactiveCommands<String, String> redis = connection.reactive();
        boolean resyncing = resync;
        Mono<Void> before = resyncing ? inbox.resync(redis) : Mono.empty();
        before.then(publishAndRead(redis))
                .timeout(timeout.multipliedBy(2))
                .publishOn(scheduler)
                .subscribe(values -> {
                    roundInFlight = false;
                    if (resyncing) {
                        resync = false;
                    }
                    heard(redis, values);
                }, error -> {
                    roundInFlight = false;
                    counters.failures.increment();
                    problem = rootMessage(error);
                    alone = alone || !viewKnown; // no member read yet: probe everything meanwhile
                });
    }

    /** Writes this node's record and heartbeat, then reads every member's: two round trips. */
    private Mono<List<KeyValue<String, String>>> publishAndRead(RedisReactiveCommands<String, String> redis) {
        NodeRecord record = new NodeRecord(System.currentTimeMillis(), local.sip(), local.admin(), local.calls(),
                dispatcher.localLoads(),
                settings.probe() == ProbeMode.SHARED ? inbox.ownedStates(view.members()) : Map.of());
        counters.commands.add(4);
        return Mono.zip(redis.set(keys.node(id), record.encode(), SetArgs.Builder.px(settings.ttl().toMillis())),
                        redis.sadd(keys.nodes(), id), redis.smembers(keys.nodes()).collectList())
                .flatMap(written -> {
                    List<String> ids = written.getT3();
                    String[] nodeKeys = new String[ids.size()];
                    for (int i = 0; i < nodeKeys.length; i++) {
                        nodeKeys[i] = keys.node(ids.get(i));
                    }
                    return nodeKeys.length == 0 ? Mono.just(List.of()) : redis.mget(nodeKeys).collectList();
                });
    }

    /** Applies what a round read: the members' records; forgets ids whose record expired. */
    private void heard(RedisReactiveCommands<String, String> redis, List<KeyValue<String, String>> values) {
        Map<String, NodeRecord> records = new HashMap<>();
        List<String> gone = new ArrayList<>();
        for (KeyValue<String, String> value : values) {
            String node = keys.nodeId(value.getKey());
            if (!value.hasValue()) {
                gone.add(node);
                continue;
            }
            try {
                records.put(node, NodeRecord.decode(value.getValue()));
            } catch (IllegalArgumentException e) {
                counters.garbled.increment();
            }
        }
        if (!gone.isEmpty()) {
            counters.commands.increment();
            redis.srem(keys.nodes(), gone.toArray(String[]::new)).subscribe(null, e -> counters.failures.increment());
        }
        view.heard(records);
        viewKnown = true;
        counters.syncs.increment();
        applyView();
    }

    /** The others' loads to the dispatcher; with shared probing, the owners' verdicts. */
    private void applyView() {
        dispatcher.remoteLoads(view.remoteLoads());
        if (settings.probe() == ProbeMode.SHARED && viewKnown) {
            inbox.adoptOwnersStates(view.members(), view.live());
        }
    }

    // ------------------------------------------------------------------ events out

    @Override
    public void banned(InetAddress source, String reason, long untilEpochMillis) {
        publish(new ClusterEvent.Ban(id, source, reason, untilEpochMillis));
    }

    @Override
    public void unbanned(InetAddress source) {
        publish(new ClusterEvent.Unban(id, source));
    }

    @Override
    public void reloadEverywhere(Reload what) {
        publish(new ClusterEvent.Reload(id, what));
    }

    /** Queues {@code event} (any thread, never blocks); the cluster thread sends it. */
    private void publish(ClusterEvent event) {
        if (!outbox.offer(event)) {
            counters.eventsDropped.increment();
            return;
        }
        if (flushScheduled.compareAndSet(false, true)) {
            scheduler.schedule(this::flush);
        }
    }

    private void flush() {
        flushScheduled.set(false);
        for (ClusterEvent event = outbox.poll(); event != null; event = outbox.poll()) {
            if (!connectedNow()) {
                counters.eventsDropped.increment(); // bans are pushed again on reconnection
                continue;
            }
            RedisReactiveCommands<String, String> redis = connection.reactive();
            counters.commands.add(2);
            inbox.store(redis, event)
                    .then(redis.publish(keys.events(), event.encode()))
                    .subscribe(receivers -> counters.eventsSent.increment(),
                            error -> counters.eventsDropped.increment());
        }
    }

    // ------------------------------------------------------------------ what it shows

    @Override
    public String nodeId() {
        return id;
    }

    @Override
    public boolean probes(Destination destination) {
        if (settings.probe() == ProbeMode.EACH) {
            return true;
        }
        if (!viewKnown) {
            return alone; // until the first round has read the members, unless Redis failed us first
        }
        if (!connectedNow()) {
            return true; // alone now: no verdict of another node can arrive, probe them all
        }
        return ClusterView.owner(view.members(), ClusterInbox.key(destination)).equals(id);
    }

    @Override
    public ClusterStatus status() {
        List<String> members = view.members();
        Map<String, Integer> owned = new HashMap<>();
        if (settings.probe() == ProbeMode.SHARED) {
            for (var set : dispatcher.sets()) {
                for (Destination d : set.destinations()) {
                    owned.merge(ClusterView.owner(members, ClusterInbox.key(d)), 1, Integer::sum);
                }
            }
        }
        boolean up = connectedNow();
        List<ClusterStatus.Member> list = new ArrayList<>();
        list.add(new ClusterStatus.Member(id, local.sip(), local.admin(), local.calls(), 0, true,
                probeCount(owned, id, up)));
        long now = System.currentTimeMillis();
        view.live().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> list.add(
                new ClusterStatus.Member(entry.getKey(), entry.getValue().sip(), entry.getValue().admin(),
                        entry.getValue().calls(), Math.max(0, now - entry.getValue().sentEpochMillis()), false,
                        probeCount(owned, entry.getKey(), up))));
        return new ClusterStatus(id, settings.storeText(), up, settings.probe(), settings.sync(), settings.ttl(),
                List.copyOf(list), counters.snapshot(), problem);
    }

    private int probeCount(Map<String, Integer> owned, String member, boolean up) {
        if (settings.probe() == ProbeMode.EACH || !up) {
            return -1;
        }
        return owned.getOrDefault(member, 0);
    }

    /** Leaves the cluster: this node's record and heartbeat are deleted (the others see it go at once). */
    @Override
    public void close() {
        closed = true;
        if (ticker != null) {
            ticker.dispose();
        }
        StatefulRedisConnection<String, String> main = connection;
        if (main != null && main.isOpen()) {
            try {
                main.reactive().del(keys.node(id)).then(main.reactive().srem(keys.nodes(), id))
                        .block(Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                LOG.debug("cluster: could not remove node {} on the way out: {}", id, e.toString());
            }
        }
        if (main != null) {
            main.close();
        }
        if (pubsub != null) {
            pubsub.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
        scheduler.dispose();
    }

    private static String rootMessage(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
