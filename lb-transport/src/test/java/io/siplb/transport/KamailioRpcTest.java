package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kamailio's JSON-RPC on siplb's admin listener, each call sent as it was sent to Kamailio 5.6 and
 * its answer compared with Kamailio's, recorded in {@code src/test/resources/kamailio-rpc} (the
 * same destinations as the recording's table, probing off as there): {@code dispatcher.list} in
 * its three modes field by field (sets matched by id: Kamailio lists them in its tree's order),
 * state changes and what the list shows after them, and the error objects.
 */
class KamailioRpcTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The rows of the recording's dispatcher table (dispatcher.sql), as list lines. */
    static final List<String> RECORDED_TABLE = List.of(
            "1 sip:127.0.0.1:5070 0 10 duid=pbx1;weight=50;maxload=20;custom=x",
            "1 sip:127.0.0.1:5080 0 5 duid=pbx2;weight=50",
            "2 sip:127.0.0.1:5090;transport=tcp 8 0",
            "2 sip:127.0.0.1:5091 2 3 duid=sock1;socket=udp:127.0.0.1:57958;rweight=25");

    private LoopbackBalancer lb;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        lb = new LoopbackBalancer(RECORDED_TABLE, "siplb.admin.listen=127.0.0.1:0", "siplb.probe.interval=0",
                "siplb.admin.token=s3cret");
    }

    @AfterEach
    void stop() {
        lb.close();
    }

    @Test
    void dispatcherListIsKamailiosFieldByFieldInEachMode() throws Exception {
        for (String capture : List.of("004-dispatcher.list", "005-dispatcher.list-short", "006-dispatcher.list-full",
                "007-dispatcher.list-badmode")) {
            assertSameAsKamailio(capture);
        }
    }

    @Test
    void stateChangesAnswerAndShowAsKamailiosDo() throws Exception {
        assertSameAsKamailio("011-dispatcher.set_state-ip");
        assertSameAsKamailio("012-dispatcher.list-after-set_state-ip");
        assertSameAsKamailio("013-dispatcher.set_state-a");
        assertSameAsKamailio("015-dispatcher.set_state-d");
        assertSameAsKamailio("016-dispatcher.set_state-tp");
        assertSameAsKamailio("017-dispatcher.list-after-set_state-d-tp");
        assertSameAsKamailio("018-dispatcher.set_state-i-all");
        assertSameAsKamailio("019-dispatcher.list-after-set_state-i-all");
        assertSameAsKamailio("036-dispatcher.set_duid_state-i");
        assertSameAsKamailio("041-dispatcher.set_duid_state-a");
        assertSameAsKamailio("042-dispatcher.ping_active-noparams");
        assertSameAsKamailio("043-dispatcher.ping_active-string-0");
        assertSameAsKamailio("044-dispatcher.ping_active-int-0");
        assertThat(lb.balancer.prober().active()).isFalse();
        assertSameAsKamailio("046-dispatcher.ping_active-int-1");
    }

    @Test
    void errorsAreKamailiosCodesAndMessages() throws Exception {
        for (String capture : List.of("020-dispatcher.set_state-uri-not-in-set", "021-dispatcher.set_state-uri-in-other-set",
                "022-dispatcher.set_state-unknown-set", "023-dispatcher.set_state-bad-state-zz",
                "024-dispatcher.set_state-bad-state-empty", "027-dispatcher.set_state-bad-uri",
                "028-dispatcher.set_state-wrong-types", "029-dispatcher.set_state-group-as-string",
                "030-dispatcher.set_state-missing-params", "031-dispatcher.set_state-no-params",
                "038-dispatcher.set_duid_state-unknown-duid", "039-dispatcher.set_duid_state-unknown-set",
                "040-dispatcher.set_duid_state-bad-state", "059-dispatcher.add-missing-uri",
                "064-dispatcher.remove-bad-uri", "069-dispatcher.hash-no-params", "077-unknown-method",
                "078-unknown-method-no-module", "082-no-id-error")) {
            assertSameAsKamailio(capture);
        }
    }

    @Test
    void addRemoveAndReloadAnswerAsKamailioAndChangeTheSets() throws Exception {
        assertSameAsKamailio("051-dispatcher.add");
        assertThat(lb.balancer.dispatcher().find(1, "sip:127.0.0.1:5099")).isPresent();
        assertSameAsKamailio("054-dispatcher.add-flags-priority-attrs");
        assertThat(lb.balancer.dispatcher().find(3, "sip:127.0.0.1:5076").orElseThrow().attributes().duid()).isEqualTo("abc");
        assertSameAsKamailio("061-dispatcher.remove");
        assertSameAsKamailio("062-dispatcher.remove-not-present");
        assertThat(lb.balancer.dispatcher().find(1, "sip:127.0.0.1:5099")).isEmpty();
        // siplb refuses what Kamailio would take silently and drop
        JsonNode duplicate = call("{\"jsonrpc\":\"2.0\",\"method\":\"dispatcher.add\",\"params\":[1,\"sip:127.0.0.1:5070\"],\"id\":5}");
        assertThat(duplicate.path("error").path("message").asText()).startsWith("Adding dispatcher dst failed: ");

        Files.write(lb.list, List.of(RECORDED_TABLE.get(0), "7 sip:127.0.0.1:7001"));
        assertSameAsKamailio("008-dispatcher.reload");
        assertThat(lb.balancer.dispatcher().set(7)).isNotNull();
        Files.write(lb.list, List.of("1 notauri"));
        assertSameAsKamailio("075-dispatcher.reload-with-unloadable-row");
        assertThat(lb.balancer.dispatcher().set(7)).isNotNull(); // siplb keeps what was in force
    }

    @Test
    void coreCallsAndMalformedRequestsGetJsonRpcAnswers() throws Exception {
        JsonNode version = call("{\"jsonrpc\":\"2.0\",\"method\":\"core.version\",\"id\":2}");
        assertThat(version.path("result").asText()).startsWith("siplb ");
        JsonNode uptime = call("{\"jsonrpc\":\"2.0\",\"method\":\"core.uptime\",\"id\":3}");
        assertThat(names(uptime.path("result"))).isEqualTo(names(capture("003-core.uptime").path("response").path("result")));
        assertThat(call("{\"jsonrpc\":\"2.0\",\"method\":\"core.version\",\"id\":null}").path("id").asInt()).isZero();
        assertThat(call("{\"jsonrpc\":\"2.0\",\"method\":\"system.listMethods\",\"id\":1}").path("result").toString())
                .contains("dispatcher.list", "dispatcher.set_state", "dispatcher.reload", "core.version");
        JsonNode hash = call("{\"jsonrpc\":\"2.0\",\"method\":\"dispatcher.hash\",\"params\":[4,\"bob\",\"server.com\"],\"id\":7}");
        assertThat(names(hash.path("result"))).containsExactly("hashid", "slot");
        assertThat(hash.path("result").path("slot").asInt()).isBetween(0, 3);

        HttpResponse<String> notJson = post("this is not json", "s3cret");
        assertThat(notJson.statusCode()).isEqualTo(500);
        assertThat(JSON.readTree(notJson.body()).path("error").path("code").asInt()).isEqualTo(-32700);
        assertThat(JSON.readTree(post("[]", "s3cret").body()).path("error").path("message").asText()).isEqualTo("Invalid Request");
        HttpResponse<String> noToken = post("{\"jsonrpc\":\"2.0\",\"method\":\"dispatcher.list\",\"id\":1}", null);
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(noToken.body()).path("error").path("message").asText()).isEqualTo("missing bearer token");
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Sends the recorded request and compares the answer with Kamailio's: HTTP status and body, sets by id. */
    private void assertSameAsKamailio(String name) throws Exception {
        JsonNode recorded = capture(name);
        HttpResponse<String> answer = post(JSON.writeValueAsString(recorded.get("request")), "s3cret");
        JsonNode ours = JSON.readTree(answer.body());
        assertThat(answer.statusCode()).as(name + " status").isEqualTo(recorded.get("status").asInt());
        assertThat(normalised(ours)).as(name).isEqualTo(normalised(recorded.get("response")));
    }

    /** The answer with {@code RECORDS} keyed by set id, since the two list sets in different orders. */
    static JsonNode normalised(JsonNode answer) {
        JsonNode records = answer.path("result").path("RECORDS");
        if (!records.isArray()) {
            return answer;
        }
        Map<String, JsonNode> byId = new HashMap<>();
        records.forEach(record -> byId.put(record.path("SET").path("ID").asText(), record));
        JsonNode copy = answer.deepCopy();
        ((ObjectNode) copy.get("result")).set("RECORDS", JSON.valueToTree(new TreeMap<>(byId)));
        return copy;
    }

    static JsonNode capture(String name) throws IOException {
        try (InputStream in = KamailioRpcTest.class.getResourceAsStream("/kamailio-rpc/" + name + ".json")) {
            assertThat(in).as(name).isNotNull();
            return JSON.readTree(in);
        }
    }

    private JsonNode call(String body) throws Exception {
        return JSON.readTree(post(body, "s3cret").body());
    }

    private HttpResponse<String> post(String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.balancer.adminPort() + "/RPC"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
