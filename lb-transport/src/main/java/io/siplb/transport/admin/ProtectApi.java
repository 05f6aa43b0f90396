package io.siplb.transport.admin;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.NetUtil;
import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.transport.protect.SourceGuard;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code GET /protect}, {@code POST /protect/ban} and {@code POST /protect/unban}: edge
 * protection's bans. In a cluster a ban or a lift made here reaches every node (the guard's
 * listener publishes it).
 */
final class ProtectApi {
    private final BalancerView balancer;

    ProtectApi(BalancerView balancer) {
        this.balancer = balancer;
    }

    Publisher<Void> list(HttpServerResponse response) {
        SourceGuard guard = balancer.guard();
        long now = guard.now();
        List<Map<String, Object>> bans = new ArrayList<>();
        for (SourceGuard.Ban ban : guard.bans()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("source", ban.source().getHostAddress());
            entry.put("reason", ban.reason().label());
            entry.put("secondsLeft", Math.max(0, (ban.untilNanos() - now) / 1_000_000_000L));
            bans.add(entry);
        }
        bans.sort(Comparator.comparing(entry -> (String) entry.get("source")));
        Map<String, Object> dropped = new LinkedHashMap<>();
        for (SourceGuard.Reason reason : SourceGuard.Reason.values()) {
            if (reason.drops()) {
                dropped.put(reason.label(), guard.dropped(reason));
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("bans", bans);
        body.put("dropped", dropped);
        return Http.json(response, HttpResponseStatus.OK, body);
    }

    /** {@code ?source=IP[&for=DURATION]}: bans for {@code siplb.protect.ban} unless {@code for} says. */
    Publisher<Void> ban(HttpServerRequest request, HttpServerResponse response) {
        Map<String, List<String>> query = Http.query(request);
        InetAddress address = source(Http.single(query, "source"));
        Duration length = balancer.guard().settings().ban();
        String text = Http.optional(query, "for", "");
        if (!text.isEmpty()) {
            try {
                length = new ConfigValues(Map.of("for", text)).duration("for", null, Duration.ofSeconds(1),
                        Duration.ofHours(720));
            } catch (ConfigException e) {
                throw new Http.BadRequest("for must be a duration from 1s to 720h, such as 10m, not '" + text + "'");
            }
        }
        balancer.guard().ban(address, length);
        return Http.json(response, HttpResponseStatus.OK, Map.of("banned", address.getHostAddress(),
                "seconds", length.toSeconds()));
    }

    Publisher<Void> unban(HttpServerRequest request, HttpServerResponse response) {
        String source = Http.single(Http.query(request), "source");
        InetAddress address = source(source);
        if (!balancer.guard().unban(address)) {
            return Http.json(response, HttpResponseStatus.NOT_FOUND, Http.error(source + " is not banned"
                    + (balancer.cluster().status().single() ? "" : " here (lifted on the other nodes all the same)")));
        }
        return Http.json(response, HttpResponseStatus.OK, Map.of("unbanned", address.getHostAddress()));
    }

    private static InetAddress source(String source) {
        byte[] bytes = source == null ? null : NetUtil.createByteArrayFromIpAddressString(source);
        if (bytes == null) {
            throw new Http.BadRequest("source must be an IP address, not '" + source + "'");
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new Http.BadRequest(e.getMessage());
        }
    }
}
