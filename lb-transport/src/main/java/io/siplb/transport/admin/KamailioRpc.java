package io.siplb.transport.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationDefinition;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.dispatch.DestinationState;
import io.siplb.core.dispatch.Hashing;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kamailio's JSON-RPC for the dispatcher, as its {@code jsonrpcs} module answers it over HTTP
 * ({@code POST /RPC}): {@code dispatcher.list}, {@code .reload}, {@code .set_state},
 * {@code .set_duid_state}, {@code .ping_active}, {@code .add}, {@code .remove}, {@code .hash},
 * {@code core.version}, {@code core.uptime}, {@code system.listMethods} and
 * {@code system.methodHelp}, so that a panel or provisioning system written for Kamailio drives
 * siplb unchanged. Results and errors are Kamailio's own (an error is
 * {@code {"code": 500, "message": "State Update Failed"}} with HTTP 500), recorded from Kamailio
 * 5.6 in {@code src/test/resources/kamailio-rpc}. Where Kamailio would answer "Ok" and do nothing
 * (an added URI that does not parse, a duplicate), siplb answers an error instead; a request that
 * is not JSON-RPC 2.0 gets the standard parse or invalid-request error rather than silence or an
 * empty result. The reads of a reload may block: the caller runs this off the event loops.
 */
final class KamailioRpc {
    private static final Logger LOG = LoggerFactory.getLogger(KamailioRpc.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ENGLISH);
    private static final Map<String, String> HELP = new LinkedHashMap<>();

    static {
        HELP.put("dispatcher.list", "Return the content of dispatcher sets");
        HELP.put("dispatcher.reload", "Reload dispatcher destination sets");
        HELP.put("dispatcher.set_state", "Set the state of a destination by address");
        HELP.put("dispatcher.set_duid_state", "Set the state of a destination by duid");
        HELP.put("dispatcher.ping_active", "Manage setting on/off the pinging (keepalive) of destinations");
        HELP.put("dispatcher.add", "Add a destination address in memory");
        HELP.put("dispatcher.remove", "Remove a destination address from memory");
        HELP.put("dispatcher.hash", "Compute the hash id and slot of the values (siplb's hash)");
        HELP.put("core.version", "Returns the version string of the server");
        HELP.put("core.uptime", "Returns uptime statistics");
        HELP.put("system.listMethods", "Lists all RPC methods supported by the server");
        HELP.put("system.methodHelp", "Print the help string for given method");
    }

    private final BalancerView balancer;
    private final Instant started;
    private final Runnable destinationsChanged;

    /** @param destinationsChanged runs after an add or a remove (the metrics follow the destinations) */
    KamailioRpc(BalancerView balancer, Instant started, Runnable destinationsChanged) {
        this.balancer = balancer;
        this.started = started;
        this.destinationsChanged = destinationsChanged;
    }

    /** The HTTP status and JSON body that answer one request. */
    record Answer(int status, String body) {
    }

    /** A failure Kamailio reports with this message. */
    private static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int code;

        Failure(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        Failure(String message) {
            this(500, message);
        }
    }

    Answer answer(byte[] body) {
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (IOException e) {
            return error(null, new Failure(-32700, "Parse Error"));
        }
        if (request == null || !request.isObject() || !"2.0".equals(request.path("jsonrpc").asText(null))
                || !request.path("method").isTextual()) {
            return error(request != null && request.isObject() ? request.get("id") : null,
                    new Failure(-32600, "Invalid Request"));
        }
        JsonNode id = request.get("id");
        try {
            return reply(id, "result", call(request.get("method").asText(), params(request.get("params"))), 200);
        } catch (Failure e) {
            return error(id, e);
        } catch (RuntimeException e) {
            LOG.warn("RPC {}: {}", request.get("method").asText(), e.toString(), e);
            return error(id, new Failure("Internal Error: " + e));
        }
    }

    /** The parameters in order: an array as it is, an object by its values (as Kamailio takes them). */
    private static List<JsonNode> params(JsonNode params) {
        List<JsonNode> list = new ArrayList<>();
        if (params != null && (params.isArray() || params.isObject())) {
            params.elements().forEachRemaining(list::add);
        } else if (params != null && !params.isNull()) {
            throw new Failure("Invalid Parameters");
        }
        return list;
    }

    private Object call(String method, List<JsonNode> params) {
        return switch (method) {
            case "dispatcher.list" -> list(params);
            case "dispatcher.reload" -> {
                if (!balancer.destinations().reload("RPC dispatcher.reload").isEmpty()) {
                    throw new Failure("Reload Failed");
                }
                yield "Ok. Dispatcher successfully reloaded.";
            }
            case "dispatcher.set_state" -> setState(params, true, d -> text(params, 2).equals("all")
                    || d.uri().text().equals(text(params, 2)));
            case "dispatcher.set_duid_state" -> setState(params, false, d -> text(params, 2).equals(d.attributes().duid()));
            case "dispatcher.ping_active" -> ping(params);
            case "dispatcher.add" -> add(params);
            case "dispatcher.remove" -> remove(params);
            case "dispatcher.hash" -> hash(params);
            case "core.version" -> "siplb " + version() + " (java " + Runtime.version().feature() + ")";
            case "core.uptime" -> uptime();
            case "system.listMethods" -> List.copyOf(HELP.keySet());
            case "system.methodHelp" -> {
                String help = HELP.get(text(params, 0));
                if (help == null) {
                    throw new Failure("Method Not Found");
                }
                yield help;
            }
            default -> throw new Failure("Method Not Found");
        };
    }

    private Object list(List<JsonNode> params) {
        List<DestinationSet> sets = balancer.dispatcher().sets();
        if (sets.isEmpty()) {
            throw new Failure("No Destination Sets");
        }
        String mode = params.isEmpty() ? "" : params.get(0).asText("");
        return KamailioList.of(sets, mode);
    }

    /**
     * {@code [state, group, address|duid]}: the state as Kamailio writes it (a/i/d/t or 1/0/2/3,
     * then p); with {@code allowAll}, address {@code all} is every destination of the group.
     */
    private Object setState(List<JsonNode> params, boolean allowAll, Predicate<Destination> which) {
        if (params.size() < 3 || !params.get(0).isTextual() || !params.get(2).isTextual()) {
            throw new Failure("Invalid Parameters");
        }
        String written = params.get(0).asText();
        if (written.isEmpty()) {
            throw new Failure("Invalid State Parameter");
        }
        DestinationState state;
        try {
            boolean probing = written.length() > 1 && Character.toLowerCase(written.charAt(1)) == 'p';
            state = DestinationState.parse(written.substring(0, 1) + (probing ? "p" : ""));
        } catch (IllegalArgumentException e) {
            throw new Failure("Unknown State Value");
        }
        DestinationSet set = balancer.dispatcher().set(integer(params.get(1)));
        boolean all = allowAll && text(params, 2).equals("all");
        List<Destination> chosen = set == null ? List.of() : set.destinations().stream().filter(which).toList();
        if (chosen.isEmpty() && !all) {
            throw new Failure("State Update Failed");
        }
        chosen.forEach(destination -> balancer.dispatcher().setState(destination, state));
        return "Ok. Dispatcher state updated.";
    }

    private Object ping(List<JsonNode> params) {
        Map<String, Object> result = new LinkedHashMap<>();
        int old = balancer.prober().switchedOn() ? 1 : 0; // the switch, as Kamailio's: on even with probing not configured
        if (!params.isEmpty()) {
            int next = integer(params.get(0));
            balancer.prober().active(next != 0);
            result.put("NewPingState", next);
        }
        result.put("OldPingState", old);
        return result;
    }

    /** {@code [group, address, flags?, priority?, attrs?]}. */
    private Object add(List<JsonNode> params) {
        if (params.size() < 2 || !params.get(1).isTextual()) {
            throw new Failure("Invalid Parameters");
        }
        String attrs = params.size() > 4 ? params.get(4).asText("") : "";
        if (fieldBreaking(params.get(1).asText()) || fieldBreaking(attrs)) {
            throw new Failure("Adding dispatcher dst failed: the address and attrs hold no white space or #");
        }
        String line = integer(params.get(0)) + " " + params.get(1).asText() + " "
                + (params.size() > 2 ? integer(params.get(2)) : 0) + " " + (params.size() > 3 ? integer(params.get(3)) : 0)
                + (params.size() > 4 && !params.get(4).asText("").isBlank() ? " " + params.get(4).asText() : "");
        try {
            DestinationDefinition definition = DestinationListParser.parseDefinition(line);
            balancer.dispatcher().add(definition);
        } catch (IllegalArgumentException e) {
            throw new Failure("Adding dispatcher dst failed: " + e.getMessage());
        }
        destinationsChanged.run();
        return "Ok. Dispatcher destination added.";
    }

    /** Whether {@code text} holds what would end a list field early (white space, {@code #}). */
    private static boolean fieldBreaking(String text) {
        return text.chars().anyMatch(c -> Character.isWhitespace(c) || c == '#');
    }

    /** {@code [group, address]}: removing what is not there is done, as in Kamailio. */
    private Object remove(List<JsonNode> params) {
        if (params.size() < 2 || !params.get(1).isTextual()) {
            throw new Failure("Invalid Parameters");
        }
        try {
            DestinationListParser.sipUri(params.get(1).asText());
        } catch (IllegalArgumentException e) {
            throw new Failure("Removing dispatcher dst failed");
        }
        if (balancer.dispatcher().remove(integer(params.get(0)), params.get(1).asText())) {
            destinationsChanged.run();
        }
        return "Ok. Dispatcher destination removed.";
    }

    /**
     * {@code [nslots, value, value?]}: siplb's hash of the values and its slot among {@code nslots}
     * (0 when {@code nslots} is 0) — what siplb's hash algorithms compute, not Kamailio's numbers.
     */
    private Object hash(List<JsonNode> params) {
        if (params.size() < 2) {
            throw new Failure("Invalid Parameters");
        }
        int slots = integer(params.get(0));
        long hash = Hashing.hash(params.get(1).asText(""), params.size() > 2 ? params.get(2).asText("") : "");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("hashid", new BigInteger(Long.toUnsignedString(hash)));
        result.put("slot", slots > 0 ? Hashing.index(hash, slots) : 0);
        return result;
    }

    private Object uptime() {
        Instant now = Instant.now();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("now", CTIME.format(now.atZone(ZoneId.systemDefault())));
        result.put("up_since", CTIME.format(started.atZone(ZoneId.systemDefault())));
        result.put("uptime", now.getEpochSecond() - started.getEpochSecond());
        return result;
    }

    /** An integer parameter; anything else reads as 0, as Kamailio coerces it. */
    private static int integer(JsonNode node) {
        return node.canConvertToInt() && node.isIntegralNumber() ? node.asInt() : 0;
    }

    private static String text(List<JsonNode> params, int index) {
        return index < params.size() ? params.get(index).asText("") : "";
    }

    private static String version() {
        String version = KamailioRpc.class.getPackage().getImplementationVersion();
        return version != null ? version : "(unpackaged)";
    }

    /** The answer to a request without the admin token: a JSON-RPC error with HTTP 401, {@code id} null. */
    static Answer refused(String why) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", 401);
        error.put("message", why);
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("jsonrpc", "2.0");
        envelope.put("error", error);
        envelope.put("id", null);
        return write(envelope, 401);
    }

    private static Answer error(JsonNode id, Failure failure) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", failure.code);
        error.put("message", failure.getMessage());
        return reply(id, "error", error, 500);
    }

    /** Kamailio's envelope: {@code jsonrpc}, the result or error, then {@code id} (absent when the request had none; 0 for null). */
    private static Answer reply(JsonNode id, String member, Object value, int status) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("jsonrpc", "2.0");
        envelope.put(member, value);
        if (id != null) {
            envelope.put("id", id.isNull() ? JsonNodeFactory.instance.numberNode(0) : id);
        }
        return write(envelope, status);
    }

    private static Answer write(Map<String, Object> envelope, int status) {
        try {
            return new Answer(status, JSON.writeValueAsString(envelope));
        } catch (JsonProcessingException e) {
            return new Answer(500, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":500,\"message\":\"Internal Error\"}}");
        }
    }
}
