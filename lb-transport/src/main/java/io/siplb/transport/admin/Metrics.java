package io.siplb.transport.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import io.siplb.core.cluster.ClusterCounters;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.net.Transport;
import io.siplb.core.route.Router;
import io.siplb.core.transaction.ProxyCounters;
import io.siplb.core.sip.SipMethod;

import io.siplb.transport.capture.HepCapture;
import io.siplb.transport.dns.SipResolver;
import io.siplb.transport.lane.LoopLoad;
import io.siplb.transport.probe.Prober;
import io.siplb.transport.protect.SourceGuard;
import io.siplb.transport.stream.StreamTransport;
import io.siplb.transport.ws.WebSocketStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The balancer's meters, in Prometheus text at {@code GET /metrics}: requests in by method,
 * responses out by class, failovers, live transactions, destinations by state, probe latency,
 * malformed datagrams, load shed, JVM and Netty buffer pools. Counters read the proxy's own
 * {@link LongAdder}s when scraped, so the hot path pays nothing for them.
 */
public final class Metrics {
    private static final String[] LETTERS = {"AX", "AP", "TX", "TP", "IX", "IP", "DX"};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    /**
     * The per-destination gauges bound, by {@link Destination#key()}: a reload binds only the new
     * ones (searching the registry for each destination was O(n²): 19 s at 10 000 destinations).
     */
    private final Map<String, List<Gauge>> destinationGauges = new HashMap<>();

    public Metrics(BalancerView balancer) {
        bindProxy(balancer.tables().counters());
        bindBalancer(balancer);
        bindEdge(balancer.guard(), balancer.prober());
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new NettyAllocatorMetrics(PooledByteBufAllocator.DEFAULT).bindTo(registry);
    }

    /** What the proxy core counts: requests, responses, failovers, drops, retransmissions. */
    private void bindProxy(ProxyCounters counters) {
        for (SipMethod method : SipMethod.values()) {
            counter("siplb.requests", "SIP requests received", counters.requestsByMethod.get(method),
                    "method", method.name());
        }
        for (int statusClass = 1; statusClass <= 6; statusClass++) {
            counter("siplb.responses.sent", "SIP responses sent upstream", counters.responsesSentByClass[statusClass],
                    "class", statusClass + "xx");
        }
        counter("siplb.responses.received", "SIP responses received", counters.responses);
        counter("siplb.failovers", "attempts that failed and moved to the next destination", counters.failovers);
        counter("siplb.plans.exhausted", "requests whose destinations all failed", counters.exhausted);
        counter("siplb.load.shed", "new requests refused with 503 for a full table or draining", counters.shed);
        counter("siplb.shutdown.handed.over", "new UDP requests left unanswered while draining for a successor",
                counters.handedOver);
        for (ProxyCounters.DropReason reason : ProxyCounters.DropReason.values()) {
            counter("siplb.malformed.dropped", "malformed datagrams dropped unanswered",
                    counters.malformedDropped.get(reason), "reason", reason.label());
        }
        counter("siplb.malformed.answered", "malformed requests answered 4xx/505", counters.malformedAnswered);
        counter("siplb.retransmissions.absorbed", "retransmissions answered from a transaction",
                counters.retransmissionsAbsorbed);
        counter("siplb.retransmissions.sent", "Timer A retransmissions to destinations", counters.retransmissionsSent);
        counter("siplb.responses.stray", "responses not ours, or to nowhere", counters.strayResponses);
        counter("siplb.destinations.unresolvable", "attempts to a host that did not resolve", counters.unresolvable);
        counter("siplb.overload.marks.spared", "silent destinations not marked down: overloaded, or another process shares the port",
                counters.marksSpared);
        counter("siplb.route.dropped", "new requests a route dropped unanswered (reply=drop)", counters.routeDropped);
        counter("siplb.overload.dropped", "INVITE datagrams dropped unparsed, far behind", counters.overloadDropped);
        counter("siplb.internal.errors", "datagrams whose handling threw (a bug: logged with its stack)",
                counters.internalErrors);
        counter("siplb.stun.answered", "STUN Binding requests on a SIP UDP socket answered (keep-alives)",
                counters.stunAnswered);
        counter("siplb.stun.dropped",
                "datagrams read as STUN dropped: bad magic cookie or length, or neither a Binding request nor indication",
                counters.stunDropped);
        counter("siplb.nat.flow.rejected", "requests refused 403: their UDP flow token did not decode or verify",
                counters.flowTokensRejected);
        counter("siplb.keepalives", "keep-alives that were no SIP message: CRLFs in a datagram or frame, STUN Binding indications",
                counters.keepAlives);
    }

    /** The loops, the tables and the destinations' states. */
    private void bindBalancer(BalancerView balancer) {
        Gauge.builder("siplb.loop.lag", balancer, BalancerView::loopLagMillis)
                .description("largest event-loop lag").baseUnit("milliseconds").register(registry);
        for (int i = 0; i < LoopLoad.LATE_MILLIS.length; i++) {
            int index = i;
            FunctionCounter.builder("siplb.loop.lag.late", balancer, b -> b.lanes().lateSamples(index))
                    .description("event-loop lag samples (one per loop every 10 ms) later than the threshold")
                    .tag("over", LoopLoad.LATE_MILLIS[i] + "ms").register(registry);
        }
        Gauge.builder("siplb.transactions.live", balancer.tables(), t -> t.liveServerTransactions())
                .description("server transactions waiting for a final response").register(registry);
        Gauge.builder("siplb.transactions", balancer.tables(), t -> t.serverTransactionCount())
                .description("server transactions in the table, lingering ones included").register(registry);
        Gauge.builder("siplb.dialogs", balancer.tables(), t -> t.dialogCount())
                .description("dialogs answered 2xx whose BYE was not yet seen answered (Call-ID affinity entries)").register(registry);
        for (String letters : LETTERS) {
            Gauge.builder("siplb.destinations", balancer, b -> countInState(b, letters))
                    .description("destinations by state, as Kamailio shows it").tag("state", letters).register(registry);
        }
        Gauge.builder("siplb.destinations.draining", balancer, b -> b.dispatcher().sets().stream()
                        .mapToLong(set -> set.destinations().stream().filter(d -> d.drain().draining()).count()).sum())
                .description("destinations draining: no new dialogs, live ones go on").register(registry);
        FunctionCounter.builder("siplb.destinations.down", balancer, BalancerView::destinationsDown)
                .description("destinations that went down").register(registry);
        FunctionCounter.builder("siplb.destinations.up", balancer, BalancerView::destinationsUp)
                .description("destinations that came back up").register(registry);
        FunctionCounter.builder("siplb.destinations.reloads", balancer, b -> b.destinations().reloads())
                .description("reads of the destinations (file or table) by result").tag("result", "loaded").register(registry);
        FunctionCounter.builder("siplb.destinations.reloads", balancer, b -> b.destinations().refused())
                .description("reads of the destinations (file or table) by result").tag("result", "refused").register(registry);
        FunctionCounter.builder("siplb.destinations.reloads", balancer, b -> b.destinations().unreachable())
                .description("reads of the destinations (file or table) by result").tag("result", "unreachable")
                .register(registry);
        FunctionCounter.builder("siplb.set.panic", balancer.dispatcher(), d -> d.panicEpisodes())
                .description("times a set entered panic (siplb.dispatch.panic-threshold)").register(registry);
        FunctionCounter.builder("siplb.udp.receive.drops", balancer, BalancerView::kernelDrops)
                .description("datagrams the kernel dropped on siplb's UDP sockets for a full receive buffer "
                        + "(/proc/net/udp; a paused or starved event loop)").register(registry);
        FunctionCounter.builder("siplb.send.failures", balancer, BalancerView::sendFailures)
                .description("datagrams the kernel refused to send").register(registry);
    }

    /** Edge protection and the prober. */
    private void bindEdge(SourceGuard guard, Prober prober) {
        for (SourceGuard.Reason reason : SourceGuard.Reason.values()) {
            if (reason.drops()) {
                FunctionCounter.builder("siplb.protect.dropped", guard, g -> g.dropped(reason))
                        .description("datagrams dropped by edge protection, by reason").tag("reason", reason.label())
                        .register(registry);
            }
        }
        Gauge.builder("siplb.protect.banned", guard, g -> g.banned()).description("sources banned now")
                .register(registry);
        FunctionCounter.builder("siplb.protect.bans", guard, g -> g.bansIssued()).description("bans issued")
                .register(registry);
        FunctionCounter.builder("siplb.probes.sent", prober, Prober::sentCount)
                .description("probes sent to destinations").register(registry);
        FunctionCounter.builder("siplb.probes.answered", prober, Prober::aliveCount)
                .description("probes ended, by result").tag("result", "alive").register(registry);
        FunctionCounter.builder("siplb.probes.answered", prober, Prober::failedCount)
                .description("probes ended, by result").tag("result", "failed").register(registry);
        FunctionCounter.builder("siplb.probe.load.rejected", prober, Prober::loadRejected)
                .description("load figures in probe replies that were no integer 0..2^31-1, ignored").register(registry);
    }

    /** Where meters go (the per-destination and per-route meters of the call observers). */
    public MeterRegistry registry() {
        return registry;
    }

    /** HEP capture's figures, when capture is on. */
    public void bindCapture(HepCapture hep) {
        if (hep == null) {
            return;
        }
        FunctionCounter.builder("siplb.hep.sent", hep, HepCapture::sent)
                .description("SIP messages written to the HEP collector's socket").register(registry);
        FunctionCounter.builder("siplb.hep.sent.bytes", hep, HepCapture::bytes)
                .description("octets of those messages, HEP headers included").register(registry);
        FunctionCounter.builder("siplb.hep.dropped", hep, HepCapture::dropped)
                .description("SIP messages not captured: queue full, collector unreachable or too large")
                .register(registry);
    }

    /**
     * The cluster's synchronisation ({@code siplb_cluster_*}): members heard within the TTL, whether
     * Redis answers, rounds by result, commands sent, events by direction, foreign values ignored.
     */
    public void bindCluster(BalancerView balancer) {
        Gauge.builder("siplb.cluster.members", balancer, b -> b.cluster().status().members().size())
                .description("members heard within the TTL, this node included").register(registry);
        Gauge.builder("siplb.cluster.connected", balancer, b -> b.cluster().status().connected() ? 1 : 0)
                .description("1 while Redis answers (always 0 on a single node)").register(registry);
        Map<String, ToDoubleFunction<ClusterCounters>> counts = new LinkedHashMap<>();
        counts.put("ok", ClusterCounters::syncs);
        counts.put("failed", ClusterCounters::failures);
        counts.put("behind", ClusterCounters::behind);
        counts.forEach((result, count) -> FunctionCounter.builder("siplb.cluster.sync", balancer,
                        b -> count.applyAsDouble(b.cluster().status().counters()))
                .description("synchronisation rounds, by result (behind: skipped, the one before unfinished)")
                .tag("result", result).register(registry));
        Map<String, ToDoubleFunction<ClusterCounters>> events = new LinkedHashMap<>();
        events.put("sent", ClusterCounters::eventsSent);
        events.put("received", ClusterCounters::eventsReceived);
        events.put("dropped", ClusterCounters::eventsDropped);
        events.forEach((direction, count) -> FunctionCounter.builder("siplb.cluster.events", balancer,
                        b -> count.applyAsDouble(b.cluster().status().counters()))
                .description("bans, destination states and reloads, by direction").tag("direction", direction)
                .register(registry));
        FunctionCounter.builder("siplb.cluster.redis.commands", balancer, b -> b.cluster().status().counters().commands())
                .description("commands sent to Redis").register(registry);
        FunctionCounter.builder("siplb.cluster.garbled", balancer, b -> b.cluster().status().counters().garbled())
                .description("values under the prefix that were not siplb's, ignored").register(registry);
    }

    /**
     * Probe latency per destination; called after every (re)load. Each gauge looks its destination
     * up when scraped, so a reload (new objects, same set and URI) keeps it live; a destination
     * reloaded away loses its gauge.
     */
    public synchronized void bindDestinations(BalancerView balancer) {
        Set<String> present = new HashSet<>();
        for (DestinationSet set : balancer.dispatcher().sets()) {
            for (Destination d : set.destinations()) {
                String key = d.key();
                present.add(key);
                if (destinationGauges.containsKey(key)) {
                    continue; // bound at an earlier load: it reads the destination by set and URI
                }
                int setId = d.setId();
                String uri = d.uri().text();
                Gauge load = Gauge.builder("siplb.destination.load", () -> balancer.dispatcher().find(setId, uri)
                                .map(x -> (double) x.load()).orElse(Double.NaN))
                        .description("calls counted against it: what it reported in a probe reply while fresh "
                                + "(siplb.probe.load-header), else the calls counted here and on the other nodes")
                        .tag("set", Integer.toString(setId)).tag("uri", uri).strongReference(true).register(registry);
                Gauge latency = Gauge.builder("siplb.probe.latency.estimate", () -> balancer.dispatcher().find(setId, uri)
                                .map(x -> x.latency().estimate()).orElse(Double.NaN))
                        .description("probe round-trip estimate").baseUnit("milliseconds")
                        .tag("set", Integer.toString(setId)).tag("uri", uri).strongReference(true).register(registry);
                destinationGauges.put(key, List.of(load, latency));
            }
        }
        destinationGauges.entrySet().removeIf(bound -> {
            if (present.contains(bound.getKey())) {
                return false;
            }
            bound.getValue().forEach(registry::remove); // a destination reloaded away
            return true;
        });
    }

    /** TCP, TLS and WebSocket: open connections, connections ended or refused by cause, keep-alives, transport failures. */
    public void bindStreams(BalancerView balancer) {
        StreamTransport streams = balancer.streams();
        for (Transport transport : List.of(Transport.TCP,
                Transport.TLS, Transport.WS, Transport.WSS)) {
            Gauge.builder("siplb.connections", streams, s -> s.open(transport))
                    .description("open stream connections, inbound and outbound").tag("transport", transport.parameter())
                    .register(registry);
        }
        for (StreamTransport.Error error : StreamTransport.Error.values()) {
            FunctionCounter.builder("siplb.connection.errors", streams, s -> s.errors(error))
                    .description("stream connections that could not be opened or were ended, by cause "
                            + "(tls-handshake counts TLS handshake failures)")
                    .tag("cause", error.label()).register(registry);
        }
        FunctionCounter.builder("siplb.keepalive.pings", streams, s -> s.pings())
                .description("CRLF CRLF keep-alives answered with a pong").register(registry);
        counter("siplb.transport.errors", "attempts that failed because the request could not be delivered",
                balancer.tables().counters().transportErrors);
        bindWebSockets(balancer.webSockets());
    }

    /** WebSocket: upgrades refused by cause, messages rejected, frames each way, pings. */
    private void bindWebSockets(WebSocketStats ws) {
        for (WebSocketStats.Refusal refusal : WebSocketStats.Refusal.values()) {
            FunctionCounter.builder("siplb.ws.refused", ws, w -> w.count(refusal))
                    .description("WebSocket handshakes refused, or connections closed at the WebSocket layer, by cause")
                    .tag("cause", refusal.label()).register(registry);
        }
        for (WebSocketStats.Rejection rejection
                : WebSocketStats.Rejection.values()) {
            FunctionCounter.builder("siplb.ws.messages.rejected", ws, w -> w.count(rejection))
                    .description("WebSocket messages answered 400 for not holding exactly one SIP message")
                    .tag("reason", rejection.label()).register(registry);
        }
        FunctionCounter.builder("siplb.ws.handshakes", ws, w -> w.upgraded())
                .description("WebSocket handshakes completed").register(registry);
        FunctionCounter.builder("siplb.ws.frames", ws, w -> w.framesIn())
                .description("WebSocket data frames (one SIP message each)").tag("direction", "in").register(registry);
        FunctionCounter.builder("siplb.ws.frames", ws, w -> w.framesOut())
                .description("WebSocket data frames (one SIP message each)").tag("direction", "out").register(registry);
        FunctionCounter.builder("siplb.ws.pings", ws, w -> w.pingsSent())
                .description("WebSocket pings sent to silent clients").register(registry);
    }

    /** DNS: answers, changes, stale answers used, failures by reason. */
    public void bindDns(SipResolver dns) {
        FunctionCounter.builder("siplb.dns.resolutions", dns, d -> d.resolutions())
                .description("answers for destination names").register(registry);
        FunctionCounter.builder("siplb.dns.changes", dns, d -> d.changes())
                .description("answers for destination names that changed").register(registry);
        FunctionCounter.builder("siplb.dns.stale", dns, d -> d.staleServed())
                .description("failed refreshes that left the last good answer in force").register(registry);
        for (String reason : List.of("nxdomain", "servfail", "refused", "timeout", "truncated", "malformed",
                "cname-loop", "no-address", "error", "off", "transport")) {
            FunctionCounter.builder("siplb.dns.failures", dns, d -> d.failures().getOrDefault(reason, 0L))
                    .description("failed resolutions of destination names, by reason").tag("reason", reason)
                    .register(registry);
        }
    }

    /** Hits per route; called at start and after every reload of the routes (new names get a meter). */
    public void bindRoutes(BalancerView balancer) {
        Router router = balancer.router();
        List<String> names = new ArrayList<>();
        router.routes().forEach(route -> names.add(route.name()));
        if (router.fallback() != null) {
            names.add(router.fallback().name());
        }
        for (String name : names) {
            if (registry.find("siplb.route.hits").tag("route", name).functionCounter() != null) {
                continue; // a route kept by a reload: its counter reads the hits by name
            }
            FunctionCounter.builder("siplb.route.hits", balancer, b -> b.routeHits(name))
                    .description("new requests taken by each route").tag("route", name).register(registry);
        }
        FunctionCounter.builder("siplb.route.unmatched", balancer, b -> b.router().unmatchedCount())
                .description("new requests no route took, answered with siplb.routes.unmatched").register(registry);
    }

    private void counter(String name, String description, LongAdder adder, String... tags) {
        FunctionCounter.builder(name, adder, LongAdder::sum).description(description).tags(tags).register(registry);
    }

    private static double countInState(BalancerView balancer, String letters) {
        int count = 0;
        for (DestinationSet set : balancer.dispatcher().sets()) {
            for (Destination d : set.destinations()) {
                if (d.state().letters().equals(letters)) {
                    count++;
                }
            }
        }
        return count;
    }

    /** The Prometheus text exposition. */
    String scrape() {
        return registry.scrape();
    }
}
