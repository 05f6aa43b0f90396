package io.siplb.transport.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.siplb.core.cluster.Cluster;
import io.siplb.core.config.ConfigException;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationDefinition;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.dispatch.DestinationState;
import io.siplb.core.dispatch.Drain;
import io.siplb.core.dispatch.Dispatcher;

import io.siplb.core.route.Router;
import io.siplb.transport.config.ListenAddress;
import io.siplb.transport.stream.StreamConnection;
import io.siplb.transport.stream.StreamTransport;
import io.siplb.transport.stream.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The admin HTTP API on {@code siplb.admin.listen} (JSON; Prometheus text at {@code /metrics}):
 *
 * <pre>
 * GET  /health                                   up, or draining; usable destinations; live transactions
 * GET  /dispatcher/list                          sets, destinations, state letters, attrs, latency, load
 * POST /dispatcher/reload[?cluster=1]            the list file or table again; 400 with each problem, nothing changed;
 *                                                cluster=1 asks every node to reload its own
 * POST /dispatcher/state?set=1&amp;uri=…&amp;state=ip  set a state (a/i/d/t or 1/0/2/3, then optional p), or
 *                                                state=drain: no new dialogs, live ones go on (a usable state ends it)
 * POST /dispatcher/add?set=1&amp;uri=…[&amp;flags=&amp;priority=&amp;attrs=]
 * POST /dispatcher/remove?set=1&amp;uri=…
 * POST /dispatcher/ping?active=0|1               probing off or on
 * GET  /routes                                   the routes in force, in order, with their hits
 * POST /routes/reload[?cluster=1]                the routes again from the configuration; 400 with key=value: rule
 * GET  /protect                                  banned sources with reason and time left; drops by reason
 * POST /protect/ban?source=IP[&amp;for=10m]          ban a source (for siplb.protect.ban unless for says)
 * POST /protect/unban?source=IP                  lift a ban
 * GET  /cluster                                  members, heartbeats, calls, who probes what; sync counts
 * GET  /connections                              open TCP/TLS connections (flow, transport, peer, listener); errors by cause
 * POST /tls/reload                               the TLS certificate, key and trust files again; 400 naming a bad file
 * POST /RPC                                      Kamailio's JSON-RPC: dispatcher.list, .reload, .set_state, … (KamailioRpc)
 * GET  /metrics
 * GET  /                                         the live status page (status.html, .css, .js from the jar)
 * GET  /events                                   its data once a second, as Server-Sent Events
 * </pre>
 *
 * With {@code siplb.admin.token} set, every request needs {@code Authorization: Bearer TOKEN}
 * (else 401), or {@code ?token=TOKEN} in the URL — what a browser can send when it opens the page
 * and its event stream. Bad parameters get 400 with a JSON error, unknown sets and URIs 404.
 */
public final class AdminServer implements AutoCloseable {
    private final BalancerView balancer;
    private final Metrics metrics;
    private final String token;
    private final DisposableServer server;
    private final ProtectApi protect;
    private final KamailioRpc rpc;

    private AdminServer(BalancerView balancer, Metrics metrics, String token,
            ListenAddress.HostPort listen) {
        this.balancer = balancer;
        this.metrics = metrics;
        this.token = token;
        this.protect = new ProtectApi(balancer);
        this.rpc = new KamailioRpc(balancer, Instant.now(), () -> metrics.bindDestinations(balancer));
        try {
            this.server = HttpServer.create()
                    .host(listen.host())
                    .port(listen.port())
                    .route(routes -> routes
                            .get("/health", this::health)
                            .get("/dispatcher/list", this::list)
                            .post("/dispatcher/reload", this::reload)
                            .post("/dispatcher/state", this::state)
                            .post("/dispatcher/add", this::add)
                            .post("/dispatcher/remove", this::remove)
                            .post("/dispatcher/ping", this::ping)
                            .get("/routes", this::routes)
                            .post("/routes/reload", this::reloadRoutes)
                            .get("/protect", (request, response) -> guarded(request, response,
                                    () -> protect.list(response)))
                            .post("/protect/ban", (request, response) -> guarded(request, response,
                                    () -> protect.ban(request, response)))
                            .post("/protect/unban", (request, response) -> guarded(request, response,
                                    () -> protect.unban(request, response)))
                            .get("/cluster", (request, response) -> guarded(request, response,
                                    () -> Http.json(response, HttpResponseStatus.OK,
                                            ClusterJson.describe(balancer.cluster().status()))))
                            .get("/connections", this::connections)
                            .post("/tls/reload", this::reloadTls)
                            .post("/RPC", this::rpc)
                            .get("/metrics", this::metrics)
                            .get("/", (request, response) -> guarded(request, response,
                                    () -> asset(response, "status.html", "text/html")))
                            // the style and script hold no data: a browser loads them without the token
                            .get("/status.css", (request, response) -> asset(response, "status.css", "text/css"))
                            .get("/status.js", (request, response) -> asset(response, "status.js",
                                    "application/javascript"))
                            .get("/events", this::events)
                            .route(request -> true, (request, response) -> Http.json(response,
                                    HttpResponseStatus.NOT_FOUND, Http.error("no such resource: " + request.method()
                                            + " " + new QueryStringDecoder(request.uri()).path()))))
                    .bindNow(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot start the admin API on siplb.admin.listen="
                    + listen.host() + ":" + listen.port() + ": " + rootMessage(e), e);
        }
    }

    public static AdminServer start(BalancerView balancer, Metrics metrics, String token,
            ListenAddress.HostPort listen) {
        return new AdminServer(balancer, metrics, token, listen);
    }

    public int port() {
        return server.port();
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    // ------------------------------------------------------------------ handlers

    private Publisher<Void> health(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> {
            int total = 0;
            int usable = 0;
            for (DestinationSet set : balancer.dispatcher().sets()) {
                total += set.size();
                usable += set.usableCount();
            }
            Map<String, Object> body = new LinkedHashMap<>();
            boolean draining = balancer.tables().draining();
            body.put("status", draining ? "draining" : "up");
            body.put("destinations", Map.of("total", total, "usable", usable));
            body.put("transactions", balancer.tables().liveServerTransactions());
            body.put("probing", balancer.prober().active());
            body.put("loopLagMs", DestinationJson.round(balancer.loopLagMillis()));
            return Http.json(response, draining ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK, body);
        });
    }

    private Publisher<Void> list(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> Http.json(response, HttpResponseStatus.OK, DestinationJson.listing(balancer)));
    }

    /** The read runs off the admin API's event loop: a database may take its time. */
    private Publisher<Void> reload(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> Mono.fromCallable(() -> balancer.destinations().reload("POST /dispatcher/reload"))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(problems -> {
                    if (!problems.isEmpty()) {
                        return Mono.from(Http.json(response, HttpResponseStatus.BAD_REQUEST,
                                Http.error(String.join("\n", problems))));
                    }
                    boolean everywhere = everywhere(request, Cluster.Reload.DISPATCHER);
                    return Mono.from(Http.json(response, HttpResponseStatus.OK, Map.of("reloaded",
                            balancer.destinations().describe(), "destinations", balancer.dispatcher().definitions().size(),
                            "cluster", everywhere)));
                }));
    }

    private Publisher<Void> connections(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> {
            StreamTransport streams = balancer.streams();
            List<Map<String, Object>> open = new ArrayList<>();
            for (StreamConnection connection : streams.connections()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("flow", Long.toString(connection.flow(), 36));
                entry.put("transport", connection.transport().parameter());
                entry.put("peer", connection.remote().getAddress().getHostAddress() + ":" + connection.remote().getPort());
                entry.put("direction", connection.listener() == null ? "out" : "in");
                entry.put("listener", connection.listener());
                open.add(entry);
            }
            open.sort(Comparator.comparing(entry -> (String) entry.get("peer")));
            Map<String, Object> errors = new LinkedHashMap<>();
            for (StreamTransport.Error error : StreamTransport.Error.values()) {
                errors.put(error.label(), streams.errors(error));
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("connections", open);
            body.put("errors", errors);
            body.put("pings", streams.pings());
            return Http.json(response, HttpResponseStatus.OK, body);
        });
    }

    private Publisher<Void> reloadTls(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> {
            try {
                balancer.reloadTls();
            } catch (ConfigException e) {
                return Http.json(response, HttpResponseStatus.BAD_REQUEST, Http.error(e.getMessage()));
            }
            return Http.json(response, HttpResponseStatus.OK, Map.of("reloaded", true,
                    "provider", TlsContexts.provider()));
        });
    }

    private Publisher<Void> routes(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> Http.json(response, HttpResponseStatus.OK,
                RouteJson.listing(balancer.router(), balancer::routeHits)));
    }

    private Publisher<Void> reloadRoutes(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> {
            Router next;
            try {
                next = balancer.reloadRoutes();
            } catch (ConfigException e) {
                return Http.json(response, HttpResponseStatus.BAD_REQUEST, Http.error(e.getMessage()));
            }
            everywhere(request, Cluster.Reload.ROUTES);
            return Http.json(response, HttpResponseStatus.OK, RouteJson.listing(next, balancer::routeHits));
        });
    }

    private Publisher<Void> state(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> {
            Map<String, List<String>> query = Http.query(request);
            String written = Http.single(query, "state");
            DestinationState state = null;
            if (!written.equalsIgnoreCase("drain")) {
                try {
                    state = DestinationState.parse(written);
                } catch (IllegalArgumentException e) {
                    return Http.json(response, HttpResponseStatus.BAD_REQUEST, Http.error(e.getMessage()
                            + ", or drain"));
                }
            }
            Optional<Destination> destination = destination(query, response);
            if (destination.isEmpty()) {
                return notFound(query, response);
            }
            if (state == null) {
                balancer.dispatcher().drain(destination.get(), Drain.OPERATOR, true);
            } else {
                balancer.dispatcher().setState(destination.get(), state);
            }
            return Http.json(response, HttpResponseStatus.OK, describe(destination.get()));
        });
    }

    private Publisher<Void> add(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> {
            Map<String, List<String>> query = Http.query(request);
            String line = Http.single(query, "set") + " " + Http.single(query, "uri") + " "
                    + Http.optional(query, "flags", "0") + " " + Http.optional(query, "priority", "0") + " "
                    + Http.optional(query, "attrs", "");
            DestinationDefinition definition;
            try {
                definition = DestinationListParser.parseDefinition(line.trim());
                balancer.dispatcher().add(definition);
            } catch (IllegalArgumentException e) {
                return Http.json(response, HttpResponseStatus.BAD_REQUEST, Http.error(e.getMessage()));
            }
            metrics.bindDestinations(balancer);
            return Http.json(response, HttpResponseStatus.OK,
                    describe(balancer.dispatcher().find(definition.setId(), definition.uri().text()).orElseThrow()));
        });
    }

    private Publisher<Void> remove(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> {
            Map<String, List<String>> query = Http.query(request);
            int set = Http.setId(query);
            String uri = Http.single(query, "uri");
            if (!balancer.dispatcher().remove(set, uri)) {
                return notFound(query, response);
            }
            return Http.json(response, HttpResponseStatus.OK, Map.of("removed", uri, "set", set));
        });
    }

    private Publisher<Void> ping(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> {
            String active = Http.single(Http.query(request), "active");
            if (!active.equals("0") && !active.equals("1")) {
                return Http.json(response, HttpResponseStatus.BAD_REQUEST, Http.error("active must be 0 or 1, not '" + active + "'"));
            }
            balancer.prober().active(active.equals("1"));
            return Http.json(response, HttpResponseStatus.OK, Map.of("probing", balancer.prober().active()));
        });
    }

    private Publisher<Void> metrics(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                .sendString(Mono.just(metrics.scrape())));
    }

    /** A file of the status page, from the jar (the page is small: read each time, cached by nobody). */
    private Publisher<Void> asset(HttpServerResponse response, String name, String type) {
        byte[] bytes;
        try (InputStream in = AdminServer.class.getResourceAsStream("status/" + name)) {
            if (in == null) {
                return Http.json(response, HttpResponseStatus.NOT_FOUND, Http.error("no such resource: " + name));
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            return Http.json(response, HttpResponseStatus.INTERNAL_SERVER_ERROR, Http.error(e.getMessage()));
        }
        return response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, type + "; charset=utf-8")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .sendByteArray(Mono.just(bytes));
    }

    /**
     * The page's data once a second as Server-Sent Events. A client that does not read is sent
     * only the latest snapshot when it is ready again ({@code onBackpressureLatest}): nothing queues
     * up for it, so the balancer's memory stays flat whatever the client does.
     */
    private Publisher<Void> events(HttpServerRequest request, HttpServerResponse response) {
        return guarded(request, response, () -> response.sse()
                .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .send(Flux.interval(Duration.ZERO, Duration.ofSeconds(1))
                        .onBackpressureLatest()
                        .map(tick -> Unpooled.copiedBuffer("data: " + toJson(balancer.status().snapshot())
                                + "\n\n", StandardCharsets.UTF_8)),
                        buffer -> true)); // flush every event: a browser must see each one as it comes
    }

    private static String toJson(Object body) {
        try {
            return Http.JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ plumbing

    private Publisher<Void> guarded(HttpServerRequest request, HttpServerResponse response, Http.Handler handler) {
        String refused = refusal(request);
        if (refused != null) {
            return Http.json(response.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer"), HttpResponseStatus.UNAUTHORIZED,
                    Http.error(refused));
        }
        try {
            return handler.handle();
        } catch (Http.BadRequest e) {
            return Http.json(response, HttpResponseStatus.BAD_REQUEST, Http.error(e.getMessage()));
        }
    }

    private Map<String, Object> describe(Destination destination) {
        return DestinationJson.describe(destination, DestinationJson.dialogs(balancer, destination));
    }

    /** Why {@code request} may not be served (no or a wrong token), or {@code null} when it may. */
    private String refusal(HttpServerRequest request) {
        if (token.isEmpty()) {
            return null;
        }
        String authorization = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        List<String> inUrl = Http.query(request).get("token");
        if (authorization == null && inUrl != null && !inUrl.isEmpty()) {
            authorization = "Bearer " + inUrl.get(0);
        }
        if (authorization == null) {
            return "missing bearer token";
        }
        return authorization.equals("Bearer " + token) ? null : "wrong bearer token";
    }

    /**
     * Kamailio's JSON-RPC ({@link KamailioRpc}): the body read whole, answered off the event loop.
     * Without the token, a JSON-RPC error object with 401.
     */
    private Publisher<Void> rpc(HttpServerRequest request, HttpServerResponse response) {
        String refused = refusal(request);
        Mono<KamailioRpc.Answer> answer = refused != null
                ? Mono.just(KamailioRpc.refused(refused))
                : request.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                        .publishOn(Schedulers.boundedElastic()).map(rpc::answer);
        return answer.flatMap(reply -> Mono.from(response.status(reply.status())
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just(reply.body())))).then();
    }

    /** With {@code ?cluster=1}: asks every other node to reload {@code what} too; whether it asked. */
    private boolean everywhere(HttpServerRequest request, Cluster.Reload what) {
        if (!"1".equals(Http.optional(Http.query(request), "cluster", "0"))) {
            return false;
        }
        balancer.cluster().reloadEverywhere(what);
        return true;
    }

    private Optional<Destination> destination(Map<String, List<String>> query, HttpServerResponse response) {
        Dispatcher dispatcher = balancer.dispatcher();
        return dispatcher.find(Http.setId(query), Http.single(query, "uri"));
    }

    private Publisher<Void> notFound(Map<String, List<String>> query, HttpServerResponse response) {
        int set = Http.setId(query);
        String what = balancer.dispatcher().set(set) == null ? "no set " + set
                : "no destination " + Http.single(query, "uri") + " in set " + set;
        return Http.json(response, HttpResponseStatus.NOT_FOUND, Http.error(what));
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }
}
