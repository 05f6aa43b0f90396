package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * The same JSON-RPC calls to a real Kamailio 5.6 ({@code jsonrpcs} over {@code xhttp}, the
 * {@code dispatcher} module on {@code db_postgres}) and to siplb, both reading one PostgreSQL
 * {@code dispatcher} table: {@code dispatcher.list} in each mode, after a row is added and both
 * reloaded, and after state changes, compared field by field; and the errors.
 */
@Tag("interop")
class KamailioRpcInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path KAMAILIO = Path.of("/usr/sbin/kamailio");
    private static final Path DB_POSTGRES = Path.of("/usr/lib/x86_64-linux-gnu/kamailio/modules/db_postgres.so");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void kamailioAndSiplbAnswerTheSameCallsAlike(@TempDir Path dir) throws Exception {
        if (!Files.isExecutable(KAMAILIO)) {
            throw new TestAbortedException("kamailio is missing: apt-get install kamailio");
        }
        if (!Files.isRegularFile(DB_POSTGRES)) {
            throw new TestAbortedException(DB_POSTGRES + " is missing: apt-get install kamailio-postgres-modules");
        }
        int sipPort = LoopbackBalancer.freePort();
        int httpPort = LoopbackBalancer.freeTcpPort();
        try (SqlServer db = SqlServer.postgres()) {
            db.sql("DROP TABLE dispatcher");
            db.sql(resource("dispatcher.sql").replace("__SIP_PORT__", Integer.toString(sipPort)));
            Process kamailio = startKamailio(dir, sipPort, httpPort, db.url());
            try (LoopbackBalancer lb = new LoopbackBalancer(List.of(), "siplb.destinations.db=" + db.url(),
                    "siplb.admin.listen=127.0.0.1:0", "siplb.probe.interval=0")) {
                String siplb = "http://127.0.0.1:" + lb.balancer.adminPort() + "/RPC";
                String kam = "http://127.0.0.1:" + httpPort + "/RPC";
                compare(kam, siplb, "dispatcher.list", "[]");
                sideBySide(kam, siplb);
                compare(kam, siplb, "dispatcher.list", "[\"short\"]");
                compare(kam, siplb, "dispatcher.list", "[\"full\"]");

                db.sql("INSERT INTO dispatcher (setid, destination, flags, priority, attrs) "
                        + "VALUES (3, 'sip:127.0.0.1:5095', 0, 1, 'duid=pbx5;weight=10')");
                awaitReload(kam); // Kamailio refuses reloads within 5 s of the last (reload_delta)
                assertThat(rpc(siplb, "dispatcher.reload", "[]").path("result").asText())
                        .isEqualTo("Ok. Dispatcher successfully reloaded.");
                compare(kam, siplb, "dispatcher.list", "[]");

                compare(kam, siplb, "dispatcher.set_state", "[\"ip\", 1, \"sip:127.0.0.1:5070\"]");
                compare(kam, siplb, "dispatcher.set_duid_state", "[\"d\", 1, \"pbx2\"]");
                compare(kam, siplb, "dispatcher.set_state", "[\"i\", 3, \"all\"]");
                compare(kam, siplb, "dispatcher.list", "[]");
                compare(kam, siplb, "dispatcher.ping_active", "[]");
                for (String[] bad : new String[][] {{"dispatcher.set_state", "[\"zz\", 1, \"sip:127.0.0.1:5070\"]"},
                        {"dispatcher.set_state", "[\"i\", 1, \"sip:127.0.0.1:5999\"]"},
                        {"dispatcher.set_state", "[\"a\"]"}, {"dispatcher.set_duid_state", "[\"i\", 1, \"nobody\"]"},
                        {"dispatcher.nonsense", "[]"}}) { // (remove and add: within reload_delta of the reload)
                    compare(kam, siplb, bad[0], bad[1]);
                }
            } finally {
                kamailio.destroy();
                kamailio.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private Process startKamailio(Path dir, int sipPort, int httpPort, String dbUrl) throws Exception {
        Path cfg = dir.resolve("kamailio.cfg");
        Files.writeString(cfg, resource("kamailio.cfg").replace("__SIP_PORT__", Integer.toString(sipPort))
                .replace("__HTTP_PORT__", Integer.toString(httpPort)).replace("__DB_URL__", dbUrl));
        Process process = new ProcessBuilder(KAMAILIO.toString(), "-DD", "-E", "-f", cfg.toString(), "-m", "64", "-M", "8",
                "-Y", dir.toString(), "-w", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("kamailio.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try {
                if (rpc("http://127.0.0.1:" + httpPort + "/RPC", "core.version", "[]").has("result")) {
                    return process;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        process.destroyForcibly();
        throw new IllegalStateException("kamailio did not answer: " + Files.readString(dir.resolve("kamailio.log")));
    }

    private void awaitReload(String kam) throws Exception {
        for (int i = 0; i < 20; i++) {
            if (rpc(kam, "dispatcher.reload", "[]").has("result")) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("Kamailio never reloaded");
    }

    /** The same call to both; the answers equal, sets matched by id. */
    private void compare(String kam, String siplb, String method, String params) throws Exception {
        JsonNode kamailio = KamailioRpcTest.normalised(rpc(kam, method, params));
        JsonNode ours = KamailioRpcTest.normalised(rpc(siplb, method, params));
        assertThat(ours).as(method + " " + params).isEqualTo(kamailio);
    }

    /** Both answers to dispatcher.list, for reading: target/interop/dispatcher-list-side-by-side.txt. */
    private void sideBySide(String kam, String siplb) throws IOException, InterruptedException {
        Path out = Path.of("target/interop/dispatcher-list-side-by-side.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, "Kamailio 5.6 (" + rpc(kam, "core.version", "[]").path("result").asText() + "):\n"
                + JSON.writerWithDefaultPrettyPrinter().writeValueAsString(rpc(kam, "dispatcher.list", "[]"))
                + "\n\nsiplb (" + rpc(siplb, "core.version", "[]").path("result").asText() + "):\n"
                + JSON.writerWithDefaultPrettyPrinter().writeValueAsString(rpc(siplb, "dispatcher.list", "[]")) + "\n");
    }

    private JsonNode rpc(String url, String method, String params) throws IOException, InterruptedException {
        String body = "{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\",\"params\":" + params + ",\"id\":1}";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = KamailioRpcInteropTest.class.getResourceAsStream("/kamailio-rpc/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
