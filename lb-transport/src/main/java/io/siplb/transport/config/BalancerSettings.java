package io.siplb.transport.config;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.StateThresholds;
import io.siplb.core.proxy.ProxySettings;
import io.siplb.core.sip.SipParserLimits;
import io.siplb.transport.capture.HepSettings;
import io.siplb.transport.cluster.ClusterSettings;
import io.siplb.transport.destinations.TableSettings;
import io.siplb.transport.dns.DnsSettings;
import io.siplb.transport.probe.ProbeSettings;
import io.siplb.transport.protect.ProtectSettings;
import io.siplb.transport.stream.StreamSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * Everything the balancer process is configured with, validated: a bad value has already stopped
 * start-up with its key, value and rule by the time one of these exists.
 *
 * @param listen the addresses to serve, each with its transport
 * @param destinations the {@code dispatcher.list} file
 * @param table Kamailio's {@code dispatcher} table to read instead ({@code siplb.destinations.db}), or {@code null}
 * @param proxy the proxy core's settings (advertised address included)
 * @param thresholds failure and success thresholds of destination states
 * @param panicThreshold {@code siplb.dispatch.panic-threshold}: below this percentage of usable
 *     destinations a set is routed as if all were usable ({@code io.siplb.core.dispatch.SetHealth}); 0 = off
 * @param eventLoops event loops (and UDP channels per address); 0 = one per core
 * @param drain how long a SIGTERM waits for live transactions
 * @param handover {@code siplb.shutdown.new-requests=handover}: while draining, new requests over
 *     UDP go unanswered (the caller's retransmission reaches a successor) instead of 503
 * @param parserLimits the parser's bounds
 * @param probe how destinations are probed
 * @param admin where the admin API listens, or {@code null} when it is off
 * @param adminToken the bearer token the admin API requires; empty for none
 * @param maxLoopLag event-loop lag above which, sustained, new calls are refused with 503 and
 *     silent destinations are not marked down; zero turns overload control off
 * @param dropLoopLag lag above which an overloaded loop drops INVITE datagrams before parsing
 * @param overloadSustain how long the lag must stay above {@code maxLoopLag}, with datagrams
 *     waiting, before the loop counts as overloaded ({@code io.siplb.transport.lane.LoopLoad})
 * @param warmupCalls synthetic calls run through the proxy before binding ({@code io.siplb.transport.Warmup});
 *     0 = none
 * @param receiveBufferBytes SO_RCVBUF of every UDP channel ({@code siplb.udp.receive-buffer}); 0 =
 *     the kernel's default
 * @param protect edge protection ({@code siplb.protect.*})
 * @param streams TCP and TLS ({@code siplb.tcp.*}, {@code siplb.tls.*})
 * @param dns how destinations named by host are resolved ({@code siplb.dns.*})
 * @param cluster whether and how state is shared with other instances ({@code siplb.cluster.*})
 * @param hep HEP capture ({@code siplb.hep.*}); off when no collector is set
 * @param logCalls {@code siplb.log.calls}: a line per finished transaction in the {@code io.siplb.calls} log
 * @param config the values all this was read from (the routes are built from them)
 * @param source reads the configuration again, for {@code POST /routes/reload}
 */
public record BalancerSettings(List<ListenAddress> listen, Path destinations, TableSettings table, ProxySettings proxy,
        StateThresholds thresholds, int panicThreshold, int eventLoops, Duration drain, boolean handover,
        SipParserLimits parserLimits, ProbeSettings probe, ListenAddress.HostPort admin, String adminToken, Duration maxLoopLag,
        Duration dropLoopLag, Duration overloadSustain, int warmupCalls, int receiveBufferBytes,
        ProtectSettings protect, StreamSettings streams,
        DnsSettings dns, ClusterSettings cluster, HepSettings hep, boolean logCalls,
        ConfigValues config, Supplier<ConfigValues> source) {

    /** Settings from {@code config}, which a reload of the routes reads again as it is. */
    static BalancerSettings from(ConfigValues config) {
        return from(config, () -> config);
    }

    /** Settings from {@code config}; a reload of the routes asks {@code source} for fresh values. */
    public static BalancerSettings from(ConfigValues config, Supplier<ConfigValues> source) {
        List<ListenAddress> listen = ListenAddress.parseAll(config.string("siplb.listen"));
        String advertisedText = config.string("siplb.advertised-address");
        String host = listen.get(0).host();
        int port = listen.get(0).port();
        if (!advertisedText.isEmpty()) {
            ListenAddress.HostPort advertised = ListenAddress.HostPort.parse(advertisedText,
                    "siplb.advertised-address", advertisedText);
            host = advertised.host();
            port = advertised.port() > 0 ? advertised.port() : port;
        }
        ProxySettings proxy = ProxySettings.from(config, host, port);
        StreamSettings streams = StreamSettings.from(config, proxy.failover().timeout());
        if (streams.proxyTrusted().isEmpty() && listen.stream().anyMatch(ListenAddress::proxyProtocol)) {
            throw new ConfigException("siplb.proxy-protocol.trusted", config.string("siplb.proxy-protocol.trusted"),
                    "a listener with ;proxy-protocol needs the addresses of the balancers in front of it");
        }
        StateThresholds thresholds = new StateThresholds(
                config.integer("siplb.probe.failure-threshold", 1, 1000),
                config.integer("siplb.probe.success-threshold", 1, 1000));
        int loops = config.integer("siplb.event-loops", 0, 256);
        Duration drain = config.duration("siplb.shutdown.drain", Duration.ZERO,
                Duration.ofMinutes(10));
        SipParserLimits limits = new SipParserLimits(
                config.integer("siplb.parser.max-message-bytes", 64, 65535),
                config.integer("siplb.parser.max-headers", 8, 4096),
                config.integer("siplb.parser.max-line-bytes", 64, 65535));
        return new BalancerSettings(listen, Path.of(config.string("siplb.destinations.file")), TableSettings.from(config),
                proxy, thresholds, percent(config, "siplb.dispatch.panic-threshold"),
                loops, drain, config.oneOf("siplb.shutdown.new-requests", "handover", "refuse")
                        .equals("handover"), limits, ProbeSettings.from(config),
                admin(config), config.string("siplb.admin.token"),
                config.duration("siplb.overload.max-loop-lag", Duration.ZERO, Duration.ofSeconds(10)),
                config.duration("siplb.overload.drop-loop-lag", Duration.ofMillis(1),
                        Duration.ofMinutes(1)),
                config.duration("siplb.overload.sustain", Duration.ZERO, Duration.ofMinutes(1)),
                config.integer("siplb.warmup.calls", 0, 1_000_000),
                config.integer("siplb.udp.receive-buffer", 0, 1 << 30),
                ProtectSettings.from(config),
                streams,
                DnsSettings.from(config), ClusterSettings.from(config, listen.get(0).port()),
                HepSettings.from(config), config.oneOf("siplb.log.calls", "true", "false").equals("true"),
                config, source);
    }

    /** A percentage, written {@code 50%} or {@code 50}, from 0 to 100. */
    static int percent(ConfigValues config, String key) {
        String text = config.string(key);
        String digits = text.endsWith("%") ? text.substring(0, text.length() - 1).trim() : text;
        try {
            int value = Integer.parseInt(digits);
            if (value >= 0 && value <= 100) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(key, text, "must be a percentage from 0 (off) to 100, e.g. 50%");
    }

    static ListenAddress.HostPort admin(ConfigValues config) {
        String text = config.string("siplb.admin.listen");
        if (text.isEmpty()) {
            return null;
        }
        ListenAddress.HostPort admin = ListenAddress.HostPort.parse(text, "siplb.admin.listen", text);
        if (admin.port() < 0) {
            throw new ConfigException("siplb.admin.listen", text, "must be host:port, or empty for off");
        }
        return admin;
    }

    /** The event loops to run: {@code eventLoops}, or one per core when it is 0. */
    public int loopCount() {
        return eventLoops > 0 ? eventLoops : Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
