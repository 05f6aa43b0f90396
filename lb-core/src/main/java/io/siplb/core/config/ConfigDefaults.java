package io.siplb.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every key siplb reads, with its default: the one place a default is written. {@code
 * config/siplb.properties} documents each key (a test keeps the two in step); {@link ConfigValues}
 * answers a key that no file, variable or {@code --set} gave from here; a key that is not here
 * stops start-up (a typo must not be silently ignored).
 */
public final class ConfigDefaults {
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("siplb.listen", "udp:127.0.0.1:5060");
        DEFAULTS.put("siplb.advertised-address", "");
        DEFAULTS.put("siplb.destinations.file", "config/dispatcher.list");
        DEFAULTS.put("siplb.destinations.db", "");
        DEFAULTS.put("siplb.destinations.db-password", "");
        DEFAULTS.put("siplb.destinations.table", "dispatcher");
        DEFAULTS.put("siplb.destinations.column.id", "id");
        DEFAULTS.put("siplb.destinations.column.setid", "setid");
        DEFAULTS.put("siplb.destinations.column.destination", "destination");
        DEFAULTS.put("siplb.destinations.column.flags", "flags");
        DEFAULTS.put("siplb.destinations.column.priority", "priority");
        DEFAULTS.put("siplb.destinations.column.attrs", "attrs");
        DEFAULTS.put("siplb.destinations.db-extra-attrs", "");
        DEFAULTS.put("siplb.destinations.db-timeout", "5s");
        DEFAULTS.put("siplb.destinations.db-poll", "0");
        DEFAULTS.put("siplb.destinations.db-notify", "");
        DEFAULTS.put("siplb.destinations.db-cache", "");
        DEFAULTS.put("siplb.dispatch.set", "1");
        DEFAULTS.put("siplb.dispatch.algorithm", "round-robin");
        DEFAULTS.put("siplb.dispatch.limit", "0");
        DEFAULTS.put("siplb.dispatch.hash-mode", "kamailio");
        DEFAULTS.put("siplb.dispatch.hash-header", "");
        DEFAULTS.put("siplb.dispatch.panic-threshold", "50%");
        DEFAULTS.put("siplb.failover.codes", "5xx,408");
        DEFAULTS.put("siplb.failover.timeout", "2s");
        DEFAULTS.put("siplb.failover.invite-timeout", "120s");
        DEFAULTS.put("siplb.failover.mark", "inactive");
        DEFAULTS.put("siplb.failover.exhausted-reply", "503");
        DEFAULTS.put("siplb.failover.max-lifetime", "180s");
        DEFAULTS.put("siplb.record-route", "true");
        DEFAULTS.put("siplb.nat.path", "auto");
        DEFAULTS.put("siplb.nat.flow-key", "");
        DEFAULTS.put("siplb.routes", "");
        DEFAULTS.put("siplb.routes.unmatched", "dispatch");
        DEFAULTS.put("siplb.probe.interval", "10s");
        DEFAULTS.put("siplb.probe.timeout", "2s");
        DEFAULTS.put("siplb.probe.method", "OPTIONS");
        DEFAULTS.put("siplb.probe.from", "sip:siplb@localhost");
        DEFAULTS.put("siplb.probe.mode", "1");
        DEFAULTS.put("siplb.probe.failure-threshold", "1");
        DEFAULTS.put("siplb.probe.success-threshold", "1");
        DEFAULTS.put("siplb.probe.reply-codes", "");
        DEFAULTS.put("siplb.probe.drain-codes", "");
        DEFAULTS.put("siplb.probe.drain-header", "");
        DEFAULTS.put("siplb.probe.load-header", "");
        DEFAULTS.put("siplb.probe.capacity-header", "");
        DEFAULTS.put("siplb.probe.load-ttl", "30s");
        DEFAULTS.put("siplb.probe.recheck", "1s");
        DEFAULTS.put("siplb.hep.collector", "");
        DEFAULTS.put("siplb.hep.node-id", "0");
        DEFAULTS.put("siplb.hep.password", "");
        DEFAULTS.put("siplb.hep.routes", "");
        DEFAULTS.put("siplb.hep.queue", "10000");
        DEFAULTS.put("siplb.log.calls", "false");
        DEFAULTS.put("siplb.log.format", "text");
        DEFAULTS.put("siplb.admin.listen", "127.0.0.1:8080");
        DEFAULTS.put("siplb.admin.token", "");
        DEFAULTS.put("siplb.sip.t1", "500ms");
        DEFAULTS.put("siplb.transactions.max", "100000");
        DEFAULTS.put("siplb.transactions.linger", "32s");
        DEFAULTS.put("siplb.dialogs.affinity-expiry", "2h");
        DEFAULTS.put("siplb.overload.retry-after", "5s");
        DEFAULTS.put("siplb.overload.max-loop-lag", "50ms");
        DEFAULTS.put("siplb.overload.drop-loop-lag", "500ms");
        DEFAULTS.put("siplb.overload.sustain", "250ms");
        DEFAULTS.put("siplb.warmup.calls", "5000");
        DEFAULTS.put("siplb.udp.receive-buffer", "4194304");
        DEFAULTS.put("siplb.tcp.idle-timeout", "300s");
        DEFAULTS.put("siplb.tcp.connect-timeout", "2s");
        DEFAULTS.put("siplb.tcp.message-timeout", "10s");
        DEFAULTS.put("siplb.tcp.max-connections", "10000");
        DEFAULTS.put("siplb.tcp.max-connections-per-source", "100");
        DEFAULTS.put("siplb.proxy-protocol.trusted", "");
        DEFAULTS.put("siplb.tls.certificate", "");
        DEFAULTS.put("siplb.tls.key", "");
        DEFAULTS.put("siplb.tls.trust", "");
        DEFAULTS.put("siplb.tls.client-auth", "none");
        DEFAULTS.put("siplb.ws.origins", "");
        DEFAULTS.put("siplb.ws.ping-interval", "30s");
        DEFAULTS.put("siplb.dns.mode", "srv");
        DEFAULTS.put("siplb.dns.servers", "");
        DEFAULTS.put("siplb.dns.min-ttl", "5s");
        DEFAULTS.put("siplb.dns.max-ttl", "1h");
        DEFAULTS.put("siplb.dns.stale-for", "10m");
        DEFAULTS.put("siplb.dns.timeout", "2s");
        DEFAULTS.put("siplb.protect.rate", "0");
        DEFAULTS.put("siplb.protect.window", "2s");
        DEFAULTS.put("siplb.protect.ban", "5m");
        DEFAULTS.put("siplb.protect.trusted", "");
        DEFAULTS.put("siplb.protect.user-agents", "friendly-scanner,sipvicious,sipcli,VaxSIPUserAgent,sundayddr,iWar,SIPScan");
        DEFAULTS.put("siplb.protect.auth-failures", "10");
        DEFAULTS.put("siplb.protect.ban-dialogs", "false");
        DEFAULTS.put("siplb.protect.max-sources", "100000");
        DEFAULTS.put("siplb.cluster.redis", "");
        DEFAULTS.put("siplb.cluster.node-id", "");
        DEFAULTS.put("siplb.cluster.sync", "200ms");
        DEFAULTS.put("siplb.cluster.ttl", "");
        DEFAULTS.put("siplb.cluster.probe", "each");
        DEFAULTS.put("siplb.cluster.prefix", "siplb:");
        DEFAULTS.put("siplb.event-loops", "0");
        DEFAULTS.put("siplb.shutdown.drain", "10s");
        DEFAULTS.put("siplb.shutdown.new-requests", "handover");
        DEFAULTS.put("siplb.parser.max-message-bytes", "65535");
        DEFAULTS.put("siplb.parser.max-headers", "256");
        DEFAULTS.put("siplb.parser.max-line-bytes", "8192");
    }

    /** Every key with its default, in the order {@code config/siplb.properties} lists them. */
    public static final Map<String, String> ALL = Collections.unmodifiableMap(DEFAULTS);

    private ConfigDefaults() {
    }

    /** The default of {@code key}, or {@code null} when siplb has no such key. */
    public static String of(String key) {
        return DEFAULTS.get(key);
    }
}
