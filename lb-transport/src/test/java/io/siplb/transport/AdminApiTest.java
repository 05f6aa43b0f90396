package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.siplb.transport.cli.Ctl;
import io.siplb.transport.demo.Backend;
import io.siplb.transport.demo.CallGenerator;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin HTTP API, {@code /metrics} and {@code siplb ctl} against a running balancer. */
class AdminApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> open = new ArrayList<>();
    private Backend a;
    private Backend b;
    private LoopbackBalancer lb;
    private Path list;
    private String base;

    @BeforeEach
    void start() throws Exception {
        a = new Backend("a", 0, Backend.Behaviour.HEALTHY);
        b = new Backend("b", 0, Backend.Behaviour.HEALTHY);
        open.add(a);
        open.add(b);
        list = Files.createTempFile("siplb-admin-", ".list");
        Files.write(list, LoopbackBalancer.lines(List.of(a, b)));
        lb = new LoopbackBalancer(Files.readAllLines(list), "siplb.destinations.file=" + list,
                "siplb.admin.listen=127.0.0.1:" + freeTcpPort(), "siplb.admin.token=s3cret", "siplb.probe.interval=0");
        open.add(0, lb);
        base = "http://127.0.0.1:" + lb.balancer.adminPort();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable resource : open) {
            resource.close();
        }
        Files.deleteIfExists(list);
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private HttpResponse<String> call(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(String method, String path) throws Exception {
        HttpResponse<String> response = call(method, path, "s3cret");
        assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private void refused(String method, String path, int status, String error) throws Exception {
        HttpResponse<String> response = call(method, path, "s3cret");
        assertThat(response.statusCode()).as(path).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).get("error").asText()).contains(error);
    }

    private String uri(Backend backend) {
        return "sip:127.0.0.1:" + backend.address().getPort();
    }

    private String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void healthAndListShowEveryDestination() throws Exception {
        JsonNode health = ok("GET", "/health");
        assertThat(health.get("status").asText()).isEqualTo("up");
        assertThat(health.get("destinations").get("usable").asInt()).isEqualTo(2);
        JsonNode listed = ok("GET", "/dispatcher/list");
        JsonNode destinations = listed.get("sets").get(0).get("destinations");
        assertThat(destinations).hasSize(2);
        assertThat(destinations.get(0).get("uri").asText()).isEqualTo(uri(a));
        assertThat(destinations.get(0).get("flags").asText()).isEqualTo("AX");
        assertThat(destinations.get(0).get("attrs").get("duid").asText()).isEqualTo("a");
        assertThat(destinations.get(0).get("latency").get("timeouts").asInt()).isZero();
    }

    @Test
    void aWrongOrMissingTokenIs401() throws Exception {
        assertThat(call("GET", "/health", null).statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = call("GET", "/dispatcher/list", "guess");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("wrong bearer token");
        assertThat(call("GET", "/metrics", null).statusCode()).isEqualTo(401);
    }

    @Test
    void stateChangesAndTheirErrors() throws Exception {
        JsonNode changed = ok("POST", "/dispatcher/state?state=ip&set=1&uri=" + enc(uri(a)));
        assertThat(changed.get("flags").asText()).isEqualTo("IP");
        assertThat(lb.balancer.dispatcher().set(1).get(0).usable()).isFalse();
        refused("POST", "/dispatcher/state?state=x&set=1&uri=" + enc(uri(a)), 400, "must be a, i, d or t");
        refused("POST", "/dispatcher/state?state=a&set=1&uri=sip:nowhere", 404, "no destination sip:nowhere in set 1");
        refused("POST", "/dispatcher/state?state=a&set=9&uri=" + enc(uri(a)), 404, "no set 9");
        refused("POST", "/dispatcher/state?state=a&set=one&uri=" + enc(uri(a)), 400, "set must be a number");
        refused("POST", "/dispatcher/state?set=1&uri=" + enc(uri(a)), 400, "missing parameter state");
        refused("POST", "/dispatcher/state?state=a&set=1", 400, "missing parameter uri");
        refused("GET", "/nowhere", 404, "no such resource: GET /nowhere");
        refused("POST", "/dispatcher/ping?active=maybe", 400, "active must be 0 or 1");
        assertThat(ok("POST", "/dispatcher/ping?active=0").get("probing").asBoolean()).isFalse();
    }

    @Test
    void reloadKeepsStatesAndABrokenFileChangesNothing() throws Exception {
        ok("POST", "/dispatcher/state?state=d&set=1&uri=" + enc(uri(b)));
        Files.write(list, List.of(Files.readAllLines(list).get(0), Files.readAllLines(list).get(1),
                "2 sip:127.0.0.1:5999 0 0 duid=extra"));
        assertThat(ok("POST", "/dispatcher/reload").get("destinations").asInt()).isEqualTo(3);
        assertThat(lb.balancer.dispatcher().find(1, uri(b)).orElseThrow().state().letters()).isEqualTo("DX");
        Files.writeString(list, "1 sip:127.0.0.1:5998 0 0 weight=heavy\n");
        refused("POST", "/dispatcher/reload", 400, list + ":1: attribute weight=heavy");
        assertThat(lb.balancer.dispatcher().definitions()).hasSize(3);
    }

    @Test
    void addAndRemove() throws Exception {
        JsonNode added = ok("POST", "/dispatcher/add?set=3&uri=" + enc("sip:127.0.0.1:5997") + "&flags=8&priority=4"
                + "&attrs=" + enc("duid=new;weight=7"));
        assertThat(added.get("flags").asText()).isEqualTo("AP");
        assertThat(added.get("attrs").get("weight").asInt()).isEqualTo(7);
        refused("POST", "/dispatcher/add?set=3&uri=" + enc("<sip:bad>"), 400, "URI scheme must start with a letter");
        refused("POST", "/dispatcher/add?set=3&uri=" + enc("sip:127.0.0.1:5997"), 400, "appears twice in set 3");
        assertThat(ok("POST", "/dispatcher/remove?set=3&uri=" + enc("sip:127.0.0.1:5997")).get("removed").asText())
                .isEqualTo("sip:127.0.0.1:5997");
        refused("POST", "/dispatcher/remove?set=3&uri=" + enc("sip:127.0.0.1:5997"), 404, "no set 3");
    }

    @Test
    void metricsAreValidPrometheusTextAndCountTraffic() throws Exception {
        CallGenerator caller = new CallGenerator(lb.address, false);
        open.add(0, caller);
        for (int i = 0; i < 4; i++) {
            caller.call(Duration.ZERO);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> caller.completed() == 4);
        ok("POST", "/dispatcher/state?state=i&set=1&uri=" + enc(uri(a)));
        HttpResponse<String> scrape = call("GET", "/metrics", "s3cret");
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        PrometheusText metrics = PrometheusText.parse(scrape.body());
        assertThat(metrics.value("siplb_requests_total", "method", "INVITE")).isEqualTo(4);
        assertThat(metrics.value("siplb_requests_total", "method", "BYE")).isEqualTo(4);
        assertThat(metrics.value("siplb_responses_sent_total", "class", "2xx")).isEqualTo(8);
        assertThat(metrics.value("siplb_responses_sent_total", "class", "1xx")).isGreaterThanOrEqualTo(8);
        assertThat(metrics.value("siplb_destinations", "state", "IX")).isEqualTo(1);
        assertThat(metrics.value("siplb_destinations", "state", "AX")).isEqualTo(1);
        assertThat(metrics.value("siplb_destinations_down_total")).isEqualTo(1);
        assertThat(metrics.value("siplb_transactions_live")).isZero();
        assertThat(metrics.types).containsEntry("siplb_failovers_total", "counter");
        assertThat(metrics.has("siplb_probe_latency_estimate_milliseconds")).isTrue();
        assertThat(metrics.has("jvm_memory_used_bytes")).isTrue();
        assertThat(metrics.has("netty_allocator_memory_used")).isTrue();
    }

    @Test
    void ctlPrintsTheListAsATableAndSetsStates() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String admin = "127.0.0.1:" + lb.balancer.adminPort();
        int code = Ctl.run(List.of("--admin", admin, "--token", "s3cret", "state", "dp", "1", uri(b)),
                new PrintStream(out), new PrintStream(err));
        assertThat(code).as(err.toString()).isZero();
        out.reset();
        assertThat(Ctl.run(List.of("--admin", admin, "--token", "s3cret", "list"), new PrintStream(out),
                new PrintStream(err))).isZero();
        String table = out.toString();
        assertThat(table).startsWith("SET").contains("FLAGS").contains(uri(a)).contains("AX").contains("DX")
                .contains("duid=a").endsWith("probing off\n");
        err.reset();
        assertThat(Ctl.run(List.of("--admin", admin, "list"), new PrintStream(out), new PrintStream(err))).isEqualTo(1);
        assertThat(err.toString()).contains("missing bearer token (HTTP 401)");
        assertThat(Ctl.run(List.of("--admin", admin, "--token", "s3cret", "state", "q", "1", uri(a)),
                new PrintStream(out), new PrintStream(err))).isEqualTo(1);
        assertThat(Ctl.run(List.of("bogus"), new PrintStream(out), new PrintStream(err))).isEqualTo(2);
        assertThat(Ctl.run(List.of("--admin", "127.0.0.1:1", "list"), new PrintStream(out), new PrintStream(err)))
                .isEqualTo(1);
    }

    @Test
    void anAdminPortInUseStopsStartUp() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Assertions.assertThatThrownBy(() -> new LoopbackBalancer(List.of("1 sip:127.0.0.1:5070"),
                            "siplb.admin.listen=127.0.0.1:" + taken.getLocalPort()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("cannot start the admin API on siplb.admin.listen=127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void routesAreListedWithHitsReloadedFromTheFileAndABadRuleKeepsTheOldOnes() throws Exception {
        Path properties = Files.createTempFile("siplb-routes-", ".properties");
        try {
            Files.writeString(properties, "siplb.routes=options\nsiplb.route.options.match.method=OPTIONS\n"
                    + "siplb.route.options.sets=1:priority\n");
            LoopbackBalancer routed = new LoopbackBalancer(LoopbackBalancer.lines(List.of(a, b)), properties,
                    "siplb.admin.listen=127.0.0.1:" + freeTcpPort(), "siplb.probe.interval=0");
            open.add(0, routed);
            base = "http://127.0.0.1:" + routed.balancer.adminPort();
            CallGenerator caller = new CallGenerator(routed.address, false);
            open.add(0, caller);
            caller.call(Duration.ZERO);
            await().atMost(Duration.ofSeconds(5)).until(() -> caller.completed() == 1);
            JsonNode routes = JSON.readTree(call("GET", "/routes", null).body());
            assertThat(routes.get("routes")).extracting(r -> r.get("name").asText()).containsExactly("options", "default");
            assertThat(routes.get("routes").get(0).get("match").get(0).asText()).isEqualTo("method=OPTIONS");
            assertThat(routes.get("routes").get(1).get("hits").asInt()).isEqualTo(1); // the INVITE

            Files.writeString(properties, "siplb.routes=options\nsiplb.route.options.match.method=OPTIONS\n"
                    + "siplb.route.options.sets=7:priority\n");
            HttpResponse<String> refused = call("POST", "/routes/reload", null);
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(refused.body()).get("error").asText())
                    .isEqualTo("siplb.route.options.sets=7:priority: set 7 is not in the destination list");
            assertThat(routed.balancer.router().routes()).extracting(r -> r.sets().get(0).setId()).containsExactly(1);

            Files.writeString(properties, "siplb.routes=invites,deny\nsiplb.route.invites.match.method=INVITE\n"
                    + "siplb.route.invites.sets=1:round-robin\nsiplb.route.deny.reply=403 Forbidden\n");
            JsonNode reloaded = JSON.readTree(call("POST", "/routes/reload", null).body());
            assertThat(reloaded.get("routes")).extracting(r -> r.get("name").asText())
                    .containsExactly("invites", "deny", "default");
            caller.call(Duration.ZERO);
            await().atMost(Duration.ofSeconds(5)).until(() -> caller.completed() == 2);
            assertThat(routed.balancer.routeHits("invites")).isEqualTo(1);
            assertThat(routed.balancer.routeHits("default")).isEqualTo(1); // kept across the reload
            String metrics = call("GET", "/metrics", null).body();
            assertThat(metrics).contains("siplb_route_hits_total{route=\"invites\"} 1.0")
                    .contains("siplb_route_hits_total{route=\"default\"} 1.0");

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = Ctl.run(List.of("--admin", "127.0.0.1:" + routed.balancer.adminPort(), "routes"),
                    new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
            assertThat(code).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("ROUTE").contains("invites")
                    .contains("method=INVITE").contains("reply 403 Forbidden").contains("sets 1:round-robin");
        } finally {
            Files.deleteIfExists(properties);
        }
    }

    @Test
    void theStatusPageAndItsEventStreamFollowTheTokenRules() throws Exception {
        assertThat(call("GET", "/", null).statusCode()).isEqualTo(401);
        HttpResponse<String> page = call("GET", "/?token=s3cret", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("<script src=\"status.js\">");
        assertThat(call("GET", "/status.js", null).statusCode()).isEqualTo(200); // no data in it: no token needed
        assertThat(call("GET", "/status.css", null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/favicon.ico", "s3cret").statusCode()).isEqualTo(404);
        assertThat(call("GET", "/events", null).statusCode()).isEqualTo(401);

        // a client that never reads its stream does not hold up another one
        try (Socket idle = new Socket("127.0.0.1", lb.balancer.adminPort())) {
            idle.getOutputStream().write(("GET /events?token=s3cret HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(URI.create(base
                    + "/events?token=s3cret")).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                    stream.body(), StandardCharsets.UTF_8))) {
                String first = lines.readLine();
                assertThat(first).startsWith("data: ");
                JsonNode event = JSON.readTree(first.substring("data: ".length()));
                assertThat(event.get("sets").get(0).get("destinations")).hasSize(2);
                assertThat(event.get("routes").get(0).get("name").asText()).isEqualTo("default");
                assertThat(event.has("history") && event.has("rates") && event.has("loopLagMs")).isTrue();
                assertThat(lines.readLine()).isEmpty();
                assertThat(lines.readLine()).startsWith("data: "); // the next second's
            }
        }
    }
}
