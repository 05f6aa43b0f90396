package io.siplb.transport.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code siplb ctl}: the admin API from a shell, siplb's {@code kamcmd dispatcher.list}.
 *
 * <pre>
 * java -jar siplb.jar ctl [--admin HOST:PORT] [--token TOKEN] COMMAND
 *   list                                   the sets as a table
 *   health
 *   reload [cluster]                       the list file or table again; with cluster, on every node
 *   state STATE SET URI                    STATE: a, i, d, t (or 1, 0, 2, 3), optionally followed by p
 *   drain SET URI                          no new dialogs, live ones go on; state a SET URI ends it
 *   add SET URI [FLAGS [PRIORITY [ATTRS]]]
 *   remove SET URI
 *   ping on|off
 *   routes                                 the routes in force as a table, with their hits
 *   routes reload                          re-read them from the configuration
 *   bans                                   banned sources with reason and time left
 *   ban IP [FOR]                           ban a source (FOR: 10m, 1h…; default siplb.protect.ban)
 *   unban IP                               lift a ban
 *   cluster                                the members as this node sees them, and who probes what
 * </pre>
 */
public final class Ctl {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USAGE = "usage: siplb ctl [--admin HOST:PORT] [--token TOKEN] "
            + "list | health | reload [cluster] | state STATE SET URI | drain SET URI | add SET URI [FLAGS [PRIORITY [ATTRS]]] "
            + "| remove SET URI | ping on|off | routes [reload] | bans | ban IP [FOR] | unban IP | cluster | connections | tls reload";

    private Ctl() {
    }

    /** Runs one command; returns the process exit code (0 done, 1 refused or unreachable, 2 usage). */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        String admin = "127.0.0.1:8080";
        String token = System.getenv().getOrDefault("SIPLB_ADMIN_TOKEN", "");
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--admin" -> admin = i + 1 < args.size() ? args.get(++i) : "";
                case "--token" -> token = i + 1 < args.size() ? args.get(++i) : "";
                default -> rest.add(args.get(i));
            }
        }
        if (rest.isEmpty()) {
            err.println(USAGE);
            return 2;
        }
        String base = "http://" + admin;
        HttpRequest request;
        try {
            request = request(rest, base, token);
        } catch (IllegalArgumentException usage) {
            err.println(usage.getMessage());
            return 2;
        }
        return exchange(request, base, rest.get(0), out, err);
    }

    /** The admin API request a command asks for; {@link IllegalArgumentException} with the usage when malformed. */
    private static HttpRequest request(List<String> rest, String base, String token) {
        int size = rest.size();
        return switch (rest.get(0)) {
            case "list" -> get(base + "/dispatcher/list", token);
            case "health" -> get(base + "/health", token);
            case "bans" -> get(base + "/protect", token);
            case "unban" -> post(base + "/protect/unban?source=" + enc(usage(rest, size == 2).get(1)), token);
            case "routes" -> {
                usage(rest, size == 1 || size == 2 && rest.get(1).equals("reload"));
                yield size == 2 ? post(base + "/routes/reload", token) : get(base + "/routes", token);
            }
            case "reload" -> post(base + "/dispatcher/reload"
                    + (usage(rest, size == 1 || size == 2 && rest.get(1).equals("cluster")).size() == 2 ? "?cluster=1" : ""),
                    token);
            case "ban" -> post(base + "/protect/ban?source=" + enc(usage(rest, size == 2 || size == 3).get(1))
                    + (size == 3 ? "&for=" + enc(rest.get(2)) : ""), token);
            case "cluster" -> get(base + "/cluster", token);
            case "connections" -> get(base + "/connections", token);
            case "tls" -> post(base + "/tls/" + usage(rest, size == 2 && rest.get(1).equals("reload")).get(1), token);
            case "state" -> post(base + "/dispatcher/state?state=" + enc(usage(rest, size == 4).get(1)) + "&set="
                    + enc(rest.get(2)) + "&uri=" + enc(rest.get(3)), token);
            case "drain" -> post(base + "/dispatcher/state?state=drain&set=" + enc(usage(rest, size == 3).get(1))
                    + "&uri=" + enc(rest.get(2)), token);
            case "add" -> {
                StringBuilder url = new StringBuilder(base + "/dispatcher/add?set="
                        + enc(usage(rest, size >= 3 && size <= 6).get(1)) + "&uri=" + enc(rest.get(2)));
                String[] names = {"flags", "priority", "attrs"};
                for (int i = 3; i < size; i++) {
                    url.append('&').append(names[i - 3]).append('=').append(enc(rest.get(i)));
                }
                yield post(url.toString(), token);
            }
            case "remove" -> post(base + "/dispatcher/remove?set=" + enc(usage(rest, size == 3).get(1)) + "&uri="
                    + enc(rest.get(2)), token);
            case "ping" -> post(base + "/dispatcher/ping?active="
                    + (usage(rest, size == 2 && rest.get(1).matches("on|off")).get(1).equals("on") ? "1" : "0"), token);
            default -> throw new IllegalArgumentException("unknown command '" + rest.get(0) + "'; " + USAGE);
        };
    }

    /** {@code rest} when {@code wellFormed}, else the usage as an {@link IllegalArgumentException}. */
    private static List<String> usage(List<String> rest, boolean wellFormed) {
        if (!wellFormed) {
            throw new IllegalArgumentException(USAGE);
        }
        return rest;
    }

    /** Sends {@code request} and prints its answer as {@code command} shows it; the exit code. */
    private static int exchange(HttpRequest request, String base, String command, PrintStream out, PrintStream err) {
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            err.println("siplb ctl: cannot reach the admin API at " + base + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            err.println("siplb ctl: HTTP " + response.statusCode() + ": " + response.body());
            return 1;
        }
        if (response.statusCode() >= 400) {
            err.println("siplb ctl: " + (body.has("error") ? body.get("error").asText() : response.body())
                    + " (HTTP " + response.statusCode() + ")");
            return 1;
        }
        out.println(switch (command) {
            case "list" -> table(body);
            case "routes" -> routeTable(body);
            case "bans" -> banTable(body);
            case "connections" -> connectionTable(body);
            case "cluster" -> clusterTable(body);
            default -> body.toString();
        });
        return 0;
    }

    /** The members, one a line, this node first; then the synchronisation's counts. */
    static String clusterTable(JsonNode body) {
        if (body.get("mode").asText().equals("single")) {
            return "single node " + body.get("node").asText() + " (siplb.cluster.redis is empty): nothing shared";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NODE", "SIP", "ADMIN", "CALLS", "HEARTBEAT ms", "PROBES"});
        for (JsonNode m : body.get("members")) {
            rows.add(new String[] {m.get("id").asText() + (m.get("self").asBoolean() ? " (this)" : ""),
                    m.get("sip").asText(), m.get("admin").asText(), m.get("calls").asText(),
                    m.get("heartbeatAgeMs").asText(), m.get("probes").asText()});
        }
        JsonNode sync = body.get("sync");
        return body.get("redis").asText() + (body.get("connected").asBoolean() ? " connected" : " NOT CONNECTED"
                + (body.has("problem") ? " (" + body.get("problem").asText() + ")" : "")) + ", probe="
                + body.get("probe").asText() + ", sync " + body.get("syncMs").asText() + " ms, TTL "
                + body.get("ttlMs").asText() + " ms\n" + columns(rows) + "rounds " + sync.get("rounds").asLong()
                + ", failed " + sync.get("failures").asLong() + ", behind " + sync.get("behind").asLong()
                + ", Redis commands " + sync.get("commands").asLong() + ", events sent "
                + sync.get("eventsSent").asLong() + " received " + sync.get("eventsReceived").asLong()
                + ", foreign values ignored " + sync.get("garbled").asLong();
    }

    /** Open connections, one a line, then the errors since start that are not zero. */
    static String connectionTable(JsonNode body) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"FLOW", "TRANSPORT", "DIRECTION", "PEER", "LISTENER"});
        for (JsonNode c : body.get("connections")) {
            rows.add(new String[] {c.get("flow").asText(), c.get("transport").asText(), c.get("direction").asText(),
                    c.get("peer").asText(), c.get("listener").isNull() ? "-" : c.get("listener").asText()});
        }
        StringBuilder errors = new StringBuilder();
        body.get("errors").fields().forEachRemaining(e -> {
            if (e.getValue().asLong() > 0) {
                errors.append(errors.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue().asLong());
            }
        });
        return columns(rows) + "errors since start: " + (errors.length() == 0 ? "none" : errors)
                + "; keep-alive pings answered: " + body.get("pings").asLong();
    }

    /** The list as a table, one destination a line, the way kamcmd dispatcher.list reads. */
    static String table(JsonNode list) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SET", "URI", "FLAGS", "DRAIN", "DIALOGS", "PRIO", "LOAD", "EST ms", "AVG ms", "TIMEOUTS",
            "ATTRS"});
        for (JsonNode set : list.get("sets")) {
            for (JsonNode d : set.get("destinations")) {
                StringBuilder attrs = new StringBuilder();
                Iterator<Map.Entry<String, JsonNode>> fields = d.get("attrs").fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    attrs.append(attrs.length() == 0 ? "" : ";").append(field.getKey()).append('=')
                            .append(field.getValue().asText());
                }
                JsonNode latency = d.get("latency");
                rows.add(new String[] {set.get("id").asText(), d.get("uri").asText(), d.get("flags").asText(),
                        d.path("drain").asText("-"), d.path("dialogs").asText(), d.get("priority").asText(),
                        d.get("load").asText() + (d.has("reported") ? "*" : ""), String.format("%.1f", latency.get("est").asDouble()),
                        String.format("%.1f", latency.get("avg").asDouble()), latency.get("timeouts").asText(),
                        attrs.toString()});
                JsonNode targets = d.get("targets");
                if (targets != null) {
                    if (targets.isEmpty()) {
                        rows.add(new String[] {"", "  (resolves to nothing)", "", "", "", "", "", "", "", "", ""});
                    }
                    for (JsonNode t : targets) { // under its destination: what DNS gave, SRV priority/weight
                        rows.add(new String[] {"", "  -> " + t.get("transport").asText() + ":" + t.get("address").asText(),
                                t.get("flags").asText(), "", "", t.get("priority").asText() + "/" + t.get("weight").asText(), "",
                                String.format("%.1f", t.get("est").asDouble()), "", t.get("timeouts").asText(),
                                "name=" + t.get("name").asText()});
                    }
                }
            }
        }
        StringBuilder text = new StringBuilder(columns(rows));
        for (JsonNode set : list.get("sets")) {
            if (set.path("panic").asBoolean()) {
                text.append("set ").append(set.get("id").asText()).append(" is in PANIC: too few destinations are "
                        + "usable (siplb.dispatch.panic-threshold), so every one not disabled or set down by an "
                        + "operator is used\n");
            }
        }
        if (columns(rows).contains("*  ")) {
            text.append("* the load the destination reported in its last probe reply (siplb.probe.load-header)\n");
        }
        text.append("probing ").append(list.get("probing").asBoolean() ? "on" : "off");
        return text.toString();
    }

    /** The routes as a table, in the order they are tried. */
    static String routeTable(JsonNode routes) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ROUTE", "MATCH", "ACTION", "HITS"});
        for (JsonNode route : routes.get("routes")) {
            List<String> match = new ArrayList<>();
            route.get("match").forEach(condition -> match.add(condition.asText()));
            String action;
            if (route.has("reply")) {
                action = "reply " + route.get("reply").asText();
            } else {
                List<String> sets = new ArrayList<>();
                route.get("sets").forEach(set -> sets.add(set.asText()));
                action = "sets " + String.join(",", sets) + " rewrite=" + route.get("rewrite").asText()
                        + (route.get("limit").asInt() > 0 ? " limit=" + route.get("limit").asInt() : "")
                        + (route.get("recordRoute").asBoolean() ? "" : " no-record-route");
            }
            rows.add(new String[] {route.get("name").asText(), match.isEmpty() ? "*" : String.join(" ", match), action,
                    route.get("hits").asText()});
        }
        StringBuilder text = new StringBuilder(columns(rows));
        text.append("unmatched: ").append(routes.get("unmatched").asText()).append(" (")
                .append(routes.get("unmatchedHits").asText()).append(')');
        return text.toString();
    }

    /** The bans as a table, then the drops by reason. */
    static String banTable(JsonNode protect) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SOURCE", "REASON", "LEFT s"});
        for (JsonNode ban : protect.get("bans")) {
            rows.add(new String[] {ban.get("source").asText(), ban.get("reason").asText(), ban.get("secondsLeft").asText()});
        }
        StringBuilder text = new StringBuilder(columns(rows)).append("dropped:");
        protect.get("dropped").fields().forEachRemaining(entry ->
                text.append(' ').append(entry.getKey()).append('=').append(entry.getValue().asText()));
        return text.toString();
    }

    /** Rows as left-aligned columns, the last one unpadded. */
    private static String columns(List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                text.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            text.append('\n');
        }
        return text.toString();
    }

    private static HttpRequest get(String url, String token) {
        return authorized(HttpRequest.newBuilder(URI.create(url)).GET(), token);
    }

    private static HttpRequest post(String url, String token) {
        return authorized(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()), token);
    }

    private static HttpRequest authorized(HttpRequest.Builder builder, String token) {
        builder.timeout(Duration.ofSeconds(10));
        if (!token.isEmpty()) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder.build();
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
