package io.siplb.transport.admin;

import io.siplb.core.cluster.Cluster;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.transport.destinations.Destinations;
import io.siplb.transport.lane.Lanes;
import io.siplb.core.proxy.ProxyTables;
import io.siplb.core.route.Router;
import io.siplb.transport.probe.Prober;
import io.siplb.transport.protect.SourceGuard;
import io.siplb.transport.stream.StreamTransport;
import io.siplb.transport.ws.WebSocketStats;
import java.util.List;

/**
 * The running balancer as the admin API, the metrics and the status page see it: what it holds
 * and counts, and the two reloads an operator may ask for. The balancer implements it; nothing in
 * this package knows the balancer's class.
 */
public interface BalancerView {
    Dispatcher dispatcher();

    /** Where the destinations come from, and their reloads. */
    Destinations destinations();

    /** Transactions, dialogs, call load and the proxy core's counters. */
    ProxyTables tables();

    /** Edge protection's state: bans, counts. */
    SourceGuard guard();

    /** The OPTIONS prober: whether it is on, what it has sent. */
    Prober prober();

    /** The routes in force. */
    Router router();

    /** Requests taken by the route {@code name} since start (across reloads). */
    long routeHits(String name);

    /** The stream transport: connections, counts; {@code null} before it is bound. */
    StreamTransport streams();

    /** What the WebSocket listeners refused and carried. */
    WebSocketStats webSockets();

    /** What this node shares with the other instances ({@code GET /cluster}). */
    Cluster cluster();

    /** The status page's data. */
    StatusFeed status();

    /** The event loops' lanes: their lag, overload and late samples. */
    Lanes lanes();

    /** The largest lag of any event loop now, in milliseconds. */
    default double loopLagMillis() {
        return lanes().maxLagMillis();
    }

    /** Each lane's loop's smoothed lag now, in milliseconds, rounded to 0.1. */
    default List<Double> loopLagsMillis() {
        return lanes().lagsMillis();
    }

    /** Whether any loop is overloaded now (new calls refused). */
    default boolean overloaded() {
        return lanes().overloaded();
    }

    /** Destinations that went down since start. */
    long destinationsDown();

    /** Destinations that came up since start. */
    long destinationsUp();

    /** Datagrams the kernel dropped on our UDP sockets for a full receive buffer (Linux; else 0). */
    long kernelDrops();

    /** Messages the transports could not send. */
    long sendFailures();

    /**
     * Reads the configuration again and swaps in its routes ({@code POST /routes/reload}).
     *
     * @throws io.siplb.core.config.ConfigException naming the bad key, value and rule: the routes in force stay
     */
    Router reloadRoutes();

    /** Reads the TLS files again ({@code POST /tls/reload}); new connections use them. */
    void reloadTls();
}
