package io.siplb.core.proxy;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.DispatchSettings;
import io.siplb.core.dispatch.FailoverSettings;
import io.siplb.core.net.Transport;
import io.siplb.core.route.NatSettings;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the proxy core needs to know beyond the dispatcher.
 *
 * @param advertisedHost host written in our Via and Record-Route ({@code siplb.advertised-address})
 * @param advertisedPort port written beside it; 0 until the transport has bound a listen address
 *     given with port 0 ({@link #withAdvertisedPort})
 * @param recordRoute whether dialog-creating requests get our Record-Route ({@code siplb.record-route})
 * @param dispatch the {@code siplb.dispatch.*} keys
 * @param failover the {@code siplb.failover.*} keys
 * @param t1 RFC 3261 T1, the first retransmission interval ({@code siplb.sip.t1}, 500ms)
 * @param maxTransactions live server transactions above which new requests get 503
 *     ({@code siplb.transactions.max}, 100000)
 * @param linger how long a finished transaction is kept to absorb retransmissions
 *     ({@code siplb.transactions.linger}, 32s: RFC 3261 Timer D/J for UDP)
 * @param affinityExpiry how long a dialog's Call-ID is remembered without traffic
 *     ({@code siplb.dialogs.affinity-expiry}, 2h)
 * @param retryAfter the Retry-After of a 503 ({@code siplb.overload.retry-after}, 5s)
 * @param ports the port advertised for each transport that has a listener of its own (a TCP
 *     listener on 5060 and a TLS one on 5061); a transport not in it advertises
 *     {@code advertisedPort}
 * @param nat the {@code siplb.nat.*} keys: clients behind NAT over UDP
 */
public record ProxySettings(String advertisedHost, int advertisedPort, boolean recordRoute,
        DispatchSettings dispatch, FailoverSettings failover, Duration t1, int maxTransactions,
        Duration linger, Duration affinityExpiry, Duration retryAfter, Map<Transport, Integer> ports,
        NatSettings nat) {

    public ProxySettings {
        Objects.requireNonNull(advertisedHost, "advertisedHost");
        Objects.requireNonNull(dispatch, "dispatch");
        Objects.requireNonNull(failover, "failover");
        Objects.requireNonNull(nat, "nat");
        if (advertisedPort < 0 || advertisedPort > 65535) {
            throw new ConfigException("siplb.advertised-address", advertisedHost + ":" + advertisedPort,
                    "port must be 1..65535");
        }
        ports = Map.copyOf(ports);
        if (maxTransactions < 1) {
            throw new ConfigException("siplb.transactions.max", Integer.toString(maxTransactions), "must be 1 or more");
        }
    }

    /** Settings for a proxy advertising {@code host:port}, every other key at its default. */
    public static ProxySettings defaults(String host, int port) {
        return from(ConfigValues.defaults(), host, port);
    }

    /** Reads every key the proxy core uses; {@code host:port} is the advertised address. */
    public static ProxySettings from(ConfigValues config, String host, int port) {
        return new ProxySettings(host, port,
                Boolean.parseBoolean(config.oneOf("siplb.record-route", "true", "false")),
                DispatchSettings.from(config), FailoverSettings.from(config),
                config.duration("siplb.sip.t1", Duration.ofMillis(50), Duration.ofSeconds(5)),
                config.integer("siplb.transactions.max", 1, 10_000_000),
                config.duration("siplb.transactions.linger", Duration.ofSeconds(1),
                        Duration.ofMinutes(5)),
                config.duration("siplb.dialogs.affinity-expiry", Duration.ofSeconds(10),
                        Duration.ofDays(2)),
                config.duration("siplb.overload.retry-after", Duration.ofSeconds(1),
                        Duration.ofHours(1)), Map.of(), NatSettings.from(config));
    }

    /** These settings with other {@code siplb.dispatch.*} values. */
    public ProxySettings withDispatch(DispatchSettings value) {
        return new ProxySettings(advertisedHost, advertisedPort, recordRoute, value, failover, t1, maxTransactions,
                linger, affinityExpiry, retryAfter, ports, nat);
    }

    /** These settings with other {@code siplb.failover.*} values. */
    public ProxySettings withFailover(FailoverSettings value) {
        return new ProxySettings(advertisedHost, advertisedPort, recordRoute, dispatch, value, t1, maxTransactions,
                linger, affinityExpiry, retryAfter, ports, nat);
    }

    /** These settings with another {@code siplb.transactions.max}. */
    public ProxySettings withMaxTransactions(int value) {
        return new ProxySettings(advertisedHost, advertisedPort, recordRoute, dispatch, failover, t1, value,
                linger, affinityExpiry, retryAfter, ports, nat);
    }

    /** These settings advertising another port (the one the kernel chose for port 0). */
    public ProxySettings withAdvertisedPort(int value) {
        return new ProxySettings(advertisedHost, value, recordRoute, dispatch, failover, t1, maxTransactions,
                linger, affinityExpiry, retryAfter, ports, nat);
    }

    /** These settings advertising {@code port} for {@code transport} (its listener's). */
    public ProxySettings withPort(Transport transport, int port) {
        Map<Transport, Integer> next = new EnumMap<>(Transport.class);
        next.putAll(ports);
        next.put(transport, port);
        return new ProxySettings(advertisedHost, advertisedPort, recordRoute, dispatch, failover, t1, maxTransactions,
                linger, affinityExpiry, retryAfter, next, nat);
    }

    /** These settings with the flow key a cluster's nodes share. */
    public ProxySettings withNat(NatSettings value) {
        return new ProxySettings(advertisedHost, advertisedPort, recordRoute, dispatch, failover, t1, maxTransactions,
                linger, affinityExpiry, retryAfter, ports, value);
    }

    /** RFC 3261 T2: the cap of non-INVITE retransmission intervals. */
    public Duration t2() {
        return Duration.ofSeconds(4);
    }

    /** {@code host:port} as written in Via and Record-Route (IPv6 in brackets). */
    public String advertised() {
        return advertisedHostReference() + ":" + advertisedPort;
    }

    /**
     * {@code host:port} written in a Via or Record-Route for {@code transport}: its listener's port,
     * else {@link #advertised()}.
     */
    public String advertised(Transport transport) {
        Integer port = ports.get(transport);
        return port == null ? advertised() : advertisedHostReference() + ":" + port;
    }

    private String advertisedHostReference() {
        return advertisedHost.indexOf(':') >= 0 && !advertisedHost.startsWith("[")
                ? "[" + advertisedHost + "]" : advertisedHost;
    }
}
