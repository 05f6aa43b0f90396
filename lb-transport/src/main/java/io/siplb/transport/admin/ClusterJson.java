package io.siplb.transport.admin;

import io.siplb.core.cluster.ClusterCounters;
import io.siplb.core.cluster.ClusterStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code GET /cluster} and the status page's cluster part: the members as this node sees them. */
final class ClusterJson {
    private ClusterJson() {
    }

    static Map<String, Object> describe(ClusterStatus status) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", status.nodeId());
        body.put("mode", status.single() ? "single" : "redis");
        if (!status.single()) {
            body.put("redis", status.store());
            body.put("connected", status.connected());
            body.put("probe", status.probeMode().name().toLowerCase(Locale.ROOT));
            body.put("syncMs", status.sync().toMillis());
            body.put("ttlMs", status.ttl().toMillis());
            if (!status.problem().isEmpty()) {
                body.put("problem", status.problem());
            }
        }
        List<Map<String, Object>> members = new ArrayList<>();
        for (ClusterStatus.Member member : status.members()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", member.id());
            entry.put("self", member.self());
            entry.put("sip", member.sip());
            entry.put("admin", member.admin());
            entry.put("calls", member.calls());
            entry.put("heartbeatAgeMs", member.heartbeatAgeMillis());
            entry.put("probes", member.probes() < 0 ? "all" : member.probes());
            members.add(entry);
        }
        body.put("members", members);
        ClusterCounters counters = status.counters();
        Map<String, Object> sync = new LinkedHashMap<>();
        sync.put("rounds", counters.syncs());
        sync.put("failures", counters.failures());
        sync.put("behind", counters.behind());
        sync.put("garbled", counters.garbled());
        sync.put("commands", counters.commands());
        sync.put("eventsSent", counters.eventsSent());
        sync.put("eventsReceived", counters.eventsReceived());
        sync.put("eventsDropped", counters.eventsDropped());
        body.put("sync", sync);
        return body;
    }
}
