package io.siplb.transport.capture;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.net.Transport;
import io.siplb.transport.config.ListenAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The {@code siplb.hep.*} keys: where captured messages go.
 *
 * @param collector the collector's address, or {@code null} when capture is off
 * @param transport {@link Transport#UDP} or {@link Transport#TCP}
 * @param agentId the capture agent id every packet carries ({@code siplb.hep.node-id})
 * @param password sent in every packet when not empty ({@code siplb.hep.password})
 * @param routes the routes whose calls are captured; empty for every message
 * @param queue messages waiting for the collector at most; beyond, new ones are dropped and counted
 */
public record HepSettings(InetSocketAddress collector, Transport transport, int agentId, byte[] password,
        Set<String> routes, int queue) {

    public boolean enabled() {
        return collector != null;
    }

    /**
     * Checks that every route of {@code siplb.hep.routes} exists.
     *
     * @throws ConfigException naming the key, its value and the routes there are
     */
    public void checkRoutes(Collection<String> names) {
        for (String route : routes) {
            if (!names.contains(route)) {
                throw new ConfigException("siplb.hep.routes", String.join(",", routes),
                        "names no route '" + route + "'; the routes are " + String.join(",", names));
            }
        }
    }

    public static HepSettings from(ConfigValues config) {
        String text = config.string("siplb.hep.collector");
        InetSocketAddress collector = null;
        Transport transport = Transport.UDP;
        if (!text.isEmpty()) {
            String rule = "must be udp:host:port or tcp:host:port (Homer's HEP port is 9060)";
            int colon = text.indexOf(':');
            String scheme = colon < 0 ? "" : text.substring(0, colon);
            if (!scheme.equals("udp") && !scheme.equals("tcp")) {
                throw new ConfigException("siplb.hep.collector", text, rule);
            }
            transport = scheme.equals("udp") ? Transport.UDP : Transport.TCP;
            ListenAddress.HostPort hostPort = ListenAddress.HostPort.parse(text.substring(colon + 1),
                    "siplb.hep.collector", text);
            if (hostPort.port() <= 0) {
                throw new ConfigException("siplb.hep.collector", text, rule);
            }
            try {
                collector = new InetSocketAddress(InetAddress.getByName(hostPort.host()), hostPort.port());
            } catch (UnknownHostException e) {
                throw new ConfigException("siplb.hep.collector", text, "host '" + hostPort.host() + "' does not resolve");
            }
        }
        int agent = config.integer("siplb.hep.node-id", 0, Integer.MAX_VALUE);
        Set<String> routes = new LinkedHashSet<>();
        for (String route : config.string("siplb.hep.routes").split(",")) {
            if (!route.isBlank()) {
                routes.add(route.trim());
            }
        }
        return new HepSettings(collector, transport, agent,
                config.string("siplb.hep.password").getBytes(StandardCharsets.UTF_8), Set.copyOf(routes),
                config.integer("siplb.hep.queue", 16, 1_000_000));
    }
}
