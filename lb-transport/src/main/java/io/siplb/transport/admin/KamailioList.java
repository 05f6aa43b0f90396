package io.siplb.transport.admin;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationAttributes;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.sip.SipUri;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of Kamailio's {@code dispatcher.list} RPC, built from siplb's sets so that panels that
 * parse Kamailio's answer parse this one: {@code NRSETS}, then {@code RECORDS} of
 * {@code {"SET": {"ID", "TARGETS": [{"DEST": {…}}]}}}, each {@code DEST} with {@code URI},
 * {@code FLAGS} (the state letters), {@code PRIORITY}, with {@code full} also {@code HOST},
 * {@code IPADDR}, {@code PORT}, {@code PROTOID} and {@code DNSTIME_*}, and {@code ATTRS} (its
 * {@code BODY} and typed fields) when the destination has attributes, unless {@code short}.
 * Sets are listed by id (Kamailio's order follows its internal tree); within a set the order is
 * Kamailio's: higher priority first, the later line first among equals.
 */
final class KamailioList {
    private KamailioList() {
    }

    static Map<String, Object> of(List<DestinationSet> sets, String mode) {
        List<Object> records = new ArrayList<>();
        for (DestinationSet set : sets) {
            List<Object> targets = new ArrayList<>();
            for (Destination destination : set.destinations()) {
                targets.add(Map.of("DEST", destination(destination, mode)));
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ID", set.id());
            body.put("TARGETS", targets);
            records.add(Map.of("SET", body));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("NRSETS", sets.size());
        result.put("RECORDS", records);
        return result;
    }

    private static Map<String, Object> destination(Destination destination, String mode) {
        SipUri uri = destination.uri();
        Map<String, Object> dest = new LinkedHashMap<>();
        dest.put("URI", uri.text());
        dest.put("FLAGS", destination.state().letters());
        dest.put("PRIORITY", destination.priority());
        if (mode.equals("short")) {
            return dest;
        }
        if (mode.equals("full")) {
            dest.put("HOST", uri.host());
            dest.put("IPADDR", address(uri, destination.targets()));
            dest.put("PORT", uri.port() > 0 ? uri.port() : port(destination.targets()));
            dest.put("PROTOID", protocol(uri.transport()));
            dest.put("DNSTIME_SEC", 0);
            dest.put("DNSTIME_USEC", 0);
        }
        DestinationAttributes attributes = destination.attributes();
        if (!attributes.text().isEmpty()) {
            Map<String, Object> attrs = new LinkedHashMap<>();
            attrs.put("BODY", attributes.text());
            attrs.put("DUID", attributes.duid());
            attrs.put("MAXLOAD", attributes.maxload());
            attrs.put("WEIGHT", attributes.weight());
            attrs.put("RWEIGHT", attributes.rweight());
            attrs.put("SOCKET", attributes.socket());
            attrs.put("SOCKNAME", attributes.others().get("sockname"));
            attrs.put("OBPROXY", attributes.others().get("obproxy"));
            dest.put("ATTRS", attrs);
        }
        return dest;
    }

    /** The address it is sent to: the IP literal it is written with, or the first its name resolved to; empty when none yet. */
    private static String address(SipUri uri, List<DestinationTarget> targets) {
        if (targets == null) {
            String host = uri.host();
            boolean literal = host.startsWith("[") || host.chars().allMatch(c -> Character.isDigit(c) || c == '.');
            return literal ? host.replace("[", "").replace("]", "") : "";
        }
        return targets.isEmpty() || targets.get(0).address().isUnresolved() ? ""
                : targets.get(0).address().getAddress().getHostAddress();
    }

    private static int port(List<DestinationTarget> targets) {
        return targets == null || targets.isEmpty() ? 0 : targets.get(0).address().getPort();
    }

    /** Kamailio's protocol numbers: 0 none given, 1 udp, 2 tcp, 3 tls, 4 sctp, 5 ws, 6 wss. */
    private static int protocol(String transport) {
        if (transport == null) {
            return 0;
        }
        return switch (transport) {
            case "udp" -> 1;
            case "tcp" -> 2;
            case "tls" -> 3;
            case "sctp" -> 4;
            case "ws" -> 5;
            case "wss" -> 6;
            default -> 0;
        };
    }
}
