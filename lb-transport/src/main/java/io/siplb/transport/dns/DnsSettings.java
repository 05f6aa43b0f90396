package io.siplb.transport.dns;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.net.AddressResolver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code siplb.dns.*} keys: how destinations named by host are resolved.
 *
 * @param mode how much of RFC 3263 to do ({@code siplb.dns.mode}): {@code off} — names are not
 *     looked up, only IP literals reach anything; {@code load} — A/AAAA when the list is loaded,
 *     kept until the next load (Kamailio's {@code ds_dns_mode} 1); {@code timer} — A/AAAA kept
 *     fresh by their TTL (mode 4); {@code srv} — NAPTR, SRV and A/AAAA kept fresh by their TTL,
 *     every SRV target a destination of its own state (mode 4 + 8; the default)
 * @param servers the DNS servers to ask ({@code siplb.dns.servers}); empty = those of
 *     {@code /etc/resolv.conf}
 * @param minTtl answers are kept at least this long ({@code siplb.dns.min-ttl}), whatever their TTL
 * @param maxTtl and at most this long ({@code siplb.dns.max-ttl})
 * @param staleFor how long the last good answer is used when the servers fail
 *     ({@code siplb.dns.stale-for}); then the destination has no address
 * @param timeout how long one query may take ({@code siplb.dns.timeout})
 */
public record DnsSettings(Mode mode, List<InetSocketAddress> servers, Duration minTtl, Duration maxTtl,
        Duration staleFor, Duration timeout) {

    /** {@code siplb.dns.mode}. */
    public enum Mode { OFF, LOAD, TIMER, SRV }

    public DnsSettings {
        servers = List.copyOf(servers);
        if (minTtl.compareTo(maxTtl) > 0) {
            throw new ConfigException("siplb.dns.min-ttl", ConfigValues.format(minTtl),
                    "must not exceed siplb.dns.max-ttl (" + ConfigValues.format(maxTtl) + ")");
        }
    }

    public static DnsSettings from(ConfigValues config) {
        String mode = config.oneOf("siplb.dns.mode", "off", "load", "timer", "srv");
        return new DnsSettings(Mode.valueOf(mode.toUpperCase(Locale.ROOT)), servers(config),
                config.duration("siplb.dns.min-ttl", Duration.ZERO, Duration.ofDays(1)),
                config.duration("siplb.dns.max-ttl", Duration.ofSeconds(1), Duration.ofDays(7)),
                config.duration("siplb.dns.stale-for", Duration.ZERO, Duration.ofDays(7)),
                config.duration("siplb.dns.timeout", Duration.ofMillis(100), Duration.ofMinutes(1)));
    }

    private static List<InetSocketAddress> servers(ConfigValues config) {
        String text = config.string("siplb.dns.servers");
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String item : text.split(",")) {
            String server = item.trim();
            if (server.isEmpty()) {
                continue;
            }
            String host;
            int port = 53;
            if (server.startsWith("[")) {
                int close = server.indexOf(']');
                host = close < 0 ? "" : server.substring(1, close);
                if (close >= 0 && server.length() > close + 2 && server.charAt(close + 1) == ':') {
                    port = port(server.substring(close + 2), text);
                }
            } else if (server.indexOf(':') == server.lastIndexOf(':') && server.indexOf(':') > 0) {
                host = server.substring(0, server.indexOf(':'));
                port = port(server.substring(server.indexOf(':') + 1), text);
            } else {
                host = server;
            }
            InetAddress address = AddressResolver.literal(host);
            if (address == null) {
                throw new ConfigException("siplb.dns.servers", text, "'" + server + "' must be an IP address[:port]");
            }
            servers.add(new InetSocketAddress(address, port));
        }
        return servers;
    }

    private static int port(String text, String whole) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException("siplb.dns.servers", whole, "'" + text + "' is not a port 1..65535");
    }
}
