package io.siplb.transport.stream;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.route.Cidr;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code siplb.tcp.*}, {@code siplb.tls.*} and {@code siplb.ws.*} keys: how stream connections
 * (TCP, TLS, WebSocket) are opened, kept and bounded, where TLS finds its certificate, key and
 * trust, and whom a WebSocket handshake is accepted from.
 *
 * @param idleTimeout a connection with no traffic either way for this long is closed
 *     ({@code siplb.tcp.idle-timeout}, 300s)
 * @param connectTimeout how long opening a connection to a peer may take ({@code siplb.tcp.connect-timeout})
 * @param messageTimeout how long one message may take to arrive once its first octet has: a peer
 *     that stalls mid-message is cut off ({@code siplb.tcp.message-timeout})
 * @param userTimeout unacknowledged data older than this ends the connection (TCP_USER_TIMEOUT,
 *     {@code siplb.failover.timeout}): a peer whose host vanished is noticed as fast as a silent
 *     UDP one, not after the kernel's ~15 minutes of retries
 * @param maxConnections inbound connections in all ({@code siplb.tcp.max-connections})
 * @param maxPerSource inbound connections from one address ({@code siplb.tcp.max-connections-per-source})
 * @param certificate PEM certificate chain of the TLS listeners and of client authentication
 *     toward destinations ({@code siplb.tls.certificate}); {@code null} when none is configured
 * @param key its PEM private key ({@code siplb.tls.key})
 * @param trust PEM certificates trusted for peers ({@code siplb.tls.trust}); {@code null} = the
 *     JDK's default trust store
 * @param clientAuth whether TLS clients must present a certificate ({@code siplb.tls.client-auth})
 * @param origins the browser origins a WebSocket handshake may come from ({@code siplb.ws.origins});
 *     empty = any
 * @param proxyTrusted the L4 balancers whose PROXY protocol headers a listener with
 *     {@code ;proxy-protocol} believes ({@code siplb.proxy-protocol.trusted})
 * @param pingInterval a WebSocket client silent this long gets a ping ({@code siplb.ws.ping-interval});
 *     zero = none
 */
public record StreamSettings(Duration idleTimeout, Duration connectTimeout, Duration messageTimeout,
        Duration userTimeout, int maxConnections, int maxPerSource, Path certificate, Path key, Path trust,
        ClientAuth clientAuth, Set<String> origins, Duration pingInterval, List<Cidr> proxyTrusted) {

    /** {@code siplb.tls.client-auth}. */
    public enum ClientAuth { NONE, OPTIONAL, REQUIRE }

    public static StreamSettings from(ConfigValues config, Duration failoverTimeout) {
        String clientAuth = config.oneOf("siplb.tls.client-auth", "none", "optional", "require");
        Path certificate = path(config, "siplb.tls.certificate");
        Path key = path(config, "siplb.tls.key");
        if ((certificate == null) != (key == null)) {
            throw new ConfigException(certificate == null ? "siplb.tls.certificate" : "siplb.tls.key", "",
                    "siplb.tls.certificate and siplb.tls.key are set together");
        }
        return new StreamSettings(
                config.duration("siplb.tcp.idle-timeout", Duration.ofSeconds(1),
                        Duration.ofDays(1)),
                config.duration("siplb.tcp.connect-timeout", Duration.ofMillis(50),
                        Duration.ofMinutes(1)),
                config.duration("siplb.tcp.message-timeout", Duration.ofMillis(100),
                        Duration.ofMinutes(5)),
                failoverTimeout,
                config.integer("siplb.tcp.max-connections", 1, 1_000_000),
                config.integer("siplb.tcp.max-connections-per-source", 1, 1_000_000),
                certificate, key, path(config, "siplb.tls.trust"),
                ClientAuth.valueOf(clientAuth.toUpperCase(Locale.ROOT)), origins(config),
                pingInterval(config), proxyTrusted(config));
    }

    private static List<Cidr> proxyTrusted(ConfigValues config) {
        String text = config.string("siplb.proxy-protocol.trusted");
        try {
            return Cidr.parseAll(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("siplb.proxy-protocol.trusted", text, e.getMessage());
        }
    }

    private static Set<String> origins(ConfigValues config) {
        String text = config.string("siplb.ws.origins");
        Set<String> origins = new LinkedHashSet<>();
        for (String item : text.split(",")) {
            String origin = item.trim();
            if (origin.isEmpty()) {
                continue;
            }
            if (!origin.matches("(?i)null|https?://[^/\\s]+")) {
                throw new ConfigException("siplb.ws.origins", text, "'" + origin
                        + "' is not an origin as browsers send it (scheme://host[:port], no path)");
            }
            origins.add(origin.toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(origins);
    }

    private static Duration pingInterval(ConfigValues config) {
        String text = config.string("siplb.ws.ping-interval");
        Duration interval = text.equals("0") ? Duration.ZERO
                : config.duration("siplb.ws.ping-interval", Duration.ZERO, Duration.ofHours(1));
        if (!interval.isZero() && interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException("siplb.ws.ping-interval", text, "must be 0 (no pings) or from 1s to 1h");
        }
        return interval;
    }

    private static Path path(ConfigValues config, String key) {
        String text = config.string(key, "");
        return text.isBlank() ? null : Path.of(text.trim());
    }
}
