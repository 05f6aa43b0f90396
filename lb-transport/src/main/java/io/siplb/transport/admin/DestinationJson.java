package io.siplb.transport.admin;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.dispatch.LatencyStats;
import io.siplb.core.dispatch.ReportedLoad;
import io.siplb.core.dispatch.SetHealth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A destination as {@code GET /dispatcher/list} and the state commands show it: URI, state
 * letters, whether it drains and its live dialogs, priority, counts, attributes (unknown ones
 * kept), load, latency, and the DNS targets its host resolved to, each with its own state.
 */
final class DestinationJson {
    private DestinationJson() {
    }

    /** {@code GET /dispatcher/list}: every set with its destinations, whether it is in panic, and whether probing is on. */
    static Map<String, Object> listing(BalancerView balancer) {
        List<Map<String, Object>> sets = new ArrayList<>();
        Map<String, Integer> dialogs = balancer.tables().dialogsByDestination();
        for (DestinationSet set : balancer.dispatcher().sets()) {
            List<Map<String, Object>> destinations = new ArrayList<>();
            for (Destination d : set.destinations()) {
                destinations.add(describe(d, dialogs.getOrDefault(d.key(), 0)));
            }
            SetHealth health = balancer.dispatcher().health(set.id());
            sets.add(Map.of("id", set.id(), "destinations", destinations, "panic", health != null && health.panic()));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sets", sets);
        body.put("probing", balancer.prober().active());
        return body;
    }

    /** The live dialogs of {@code destination}. */
    static int dialogs(BalancerView balancer, Destination destination) {
        return balancer.tables().dialogsByDestination().getOrDefault(destination.key(), 0);
    }

    /** @param dialogs its live dialogs ({@code ProxyTables#dialogsByDestination}) */
    static Map<String, Object> describe(Destination d, int dialogs) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("uri", d.uri().text());
        out.put("flags", d.state().letters());
        if (d.drain().draining()) {
            out.put("drain", d.drain().name().toLowerCase(Locale.ROOT)); // operator or probe
        }
        out.put("dialogs", dialogs);
        out.put("priority", d.priority());
        out.put("attempts", d.attempts());
        out.put("failures", d.failures());
        out.put("attrs", attributes(d));
        out.put("load", d.load()); // every node's calls, in a cluster; or what it reported, while fresh
        ReportedLoad reported = d.reportedLoad();
        if (reported != null) {
            out.put("reported", reported.capacity() >= 0
                    ? Map.of("calls", reported.calls(), "capacity", reported.capacity()) : Map.of("calls", reported.calls()));
        }
        out.put("loadHere", d.localLoad());
        out.put("latency", latency(d.latency()));
        out.put("usable", d.usable());
        if (d.revivedByPanic()) {
            out.put("revived", true); // usable only because its set is in panic
        }
        List<DestinationTarget> targets = d.targets();
        if (targets != null) {
            out.put("targets", targets(targets)); // what DNS gave for its host (RFC 3263)
        }
        return out;
    }

    /** The list-file attributes, as Kamailio's dispatcher.list names them. */
    private static Map<String, Object> attributes(Destination d) {
        Map<String, Object> attrs = new LinkedHashMap<>();
        var a = d.attributes();
        if (a.duid() != null) {
            attrs.put("duid", a.duid());
        }
        attrs.put("weight", a.weight());
        attrs.put("rweight", a.rweight());
        attrs.put("maxload", a.maxload());
        if (a.socket() != null) {
            attrs.put("socket", a.socket());
        }
        if (a.pingFrom() != null) {
            attrs.put("ping_from", a.pingFrom());
        }
        if (a.congestionControl()) {
            attrs.put("cc", 1);
        }
        attrs.putAll(a.others());
        return attrs;
    }

    private static Map<String, Object> latency(LatencyStats l) {
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("avg", round(l.average()));
        latency.put("std", round(l.standardDeviation()));
        latency.put("est", round(l.estimate()));
        latency.put("max", round(l.maximum()));
        latency.put("timeouts", l.timeouts());
        latency.put("samples", l.samples());
        return latency;
    }

    /** Each SRV target or address DNS gave for the destination's host, with its own state. */
    private static List<Map<String, Object>> targets(List<DestinationTarget> targets) {
        List<Map<String, Object>> listed = new ArrayList<>();
        for (DestinationTarget t : targets) {
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("name", t.name());
            target.put("address", t.address().getAddress().getHostAddress() + ":" + t.address().getPort());
            target.put("transport", t.transport());
            target.put("priority", t.priority());
            target.put("weight", t.weight());
            target.put("flags", t.state().letters());
            target.put("est", round(t.latency().estimate()));
            target.put("timeouts", t.latency().timeouts());
            listed.add(target);
        }
        return listed;
    }

    static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

}
