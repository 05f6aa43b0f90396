package io.siplb.transport.config;

import io.siplb.core.config.ConfigException;
import io.siplb.core.net.Transport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One entry of {@code siplb.listen}: {@code transport:host:port}, IPv6 hosts in brackets
 * ({@code udp:[::1]:5060}, {@code tls:0.0.0.0:5061}); a WebSocket listener may name the HTTP
 * path it upgrades ({@code wss:0.0.0.0:8443/sip}). A stream listener behind an L4 balancer that
 * sends the PROXY protocol header says so: {@code tcp:0.0.0.0:5060;proxy-protocol}.
 *
 * @param transport {@code udp}, {@code tcp}, {@code tls}, {@code ws} or {@code wss}
 * @param host the address to bind, as written (no brackets)
 * @param port the port
 * @param path the WebSocket upgrade path ({@code /sip}); {@code null} = any path, and always for
 *     the other transports
 * @param proxyProtocol whether every connection starts with a PROXY protocol header (v1 or v2)
 *     naming the caller, from a balancer of {@code siplb.proxy-protocol.trusted}
 */
public record ListenAddress(String transport, String host, int port, String path, boolean proxyProtocol) {

    public ListenAddress(String transport, String host, int port) {
        this(transport, host, port, null, false);
    }

    public ListenAddress(String transport, String host, int port, String path) {
        this(transport, host, port, path, false);
    }

    /** The same listener bound at {@code boundPort} (the port the kernel chose for 0). */
    public ListenAddress withPort(int boundPort) {
        return new ListenAddress(transport, host, boundPort, path, proxyProtocol);
    }

    /** The transport, as the proxy knows it. */
    public Transport kind() {
        return Transport.fromToken(transport);
    }

    /**
     * As {@code siplb.listen} writes it without flags: {@code tcp:127.0.0.1:5060},
     * {@code wss:0.0.0.0:8443/sip} (what a route's {@code match.listen} names).
     */
    public String text() {
        return transport + ":" + hostPort() + (path == null ? "" : path);
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** {@code host:port} as a SIP URI writes it. */
    public String hostPort() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    static List<ListenAddress> parseAll(String text) {
        List<ListenAddress> addresses = new ArrayList<>();
        for (String item : text.split(",")) {
            if (!item.isBlank()) {
                addresses.add(parse(item.trim(), text));
            }
        }
        if (addresses.isEmpty()) {
            throw new ConfigException("siplb.listen", text, "must name at least one transport:host:port");
        }
        return addresses;
    }

    private static ListenAddress parse(String item, String whole) {
        int colon = item.indexOf(':');
        if (colon <= 0) {
            throw new ConfigException("siplb.listen", whole, "'" + item + "' must be transport:host:port");
        }
        String transport = item.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!List.of("udp", "tcp", "tls", "ws", "wss").contains(transport)) {
            throw new ConfigException("siplb.listen", whole, "transport '" + transport
                    + "' is not supported (udp, tcp, tls, ws, wss)");
        }
        String rest = item.substring(colon + 1);
        boolean proxyProtocol = false;
        int semicolon = rest.indexOf(';');
        if (semicolon >= 0) {
            String flag = rest.substring(semicolon + 1).trim();
            rest = rest.substring(0, semicolon);
            if (!flag.equalsIgnoreCase("proxy-protocol")) {
                throw new ConfigException("siplb.listen", whole, "'" + item + "': unknown flag '" + flag
                        + "' (the only one is ;proxy-protocol)");
            }
            if (transport.equals("udp")) {
                throw new ConfigException("siplb.listen", whole, "'" + item
                        + "': the PROXY protocol is for stream listeners (tcp, tls, ws, wss)");
            }
            proxyProtocol = true;
        }
        String path = null;
        int slash = rest.indexOf('/', rest.lastIndexOf(']') + 1);
        if (slash >= 0) {
            path = rest.substring(slash);
            rest = rest.substring(0, slash);
            if (!transport.startsWith("ws")) {
                throw new ConfigException("siplb.listen", whole, "'" + item + "': only ws and wss listeners have a path");
            }
            if (!path.matches("/[A-Za-z0-9._~!$&'()*+;=:@/%-]*")) {
                throw new ConfigException("siplb.listen", whole, "'" + item + "': the path '" + path
                        + "' is not an HTTP path");
            }
        }
        HostPort hostPort = HostPort.parse(rest, "siplb.listen", whole);
        if (hostPort.port() < 0) {
            throw new ConfigException("siplb.listen", whole, "'" + item + "' needs a port (0 = any free port)");
        }
        return new ListenAddress(transport, hostPort.host(), hostPort.port(), path, proxyProtocol);
    }

    /** {@code host[:port]} with IPv6 in brackets; port -1 when absent. */
    public record HostPort(String host, int port) {
        /**
         * {@code host:port} or {@code [v6]:port} (port -1 when absent).
         *
         * @throws ConfigException naming {@code key} and {@code whole} when {@code text} is neither
         */
        public static HostPort parse(String text, String key, String whole) {
            String host;
            String rest;
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                if (close < 0) {
                    throw new ConfigException(key, whole, "'" + text + "' has '[' without ']'");
                }
                host = text.substring(1, close);
                rest = text.substring(close + 1);
            } else {
                int colon = text.lastIndexOf(':');
                host = colon < 0 ? text : text.substring(0, colon);
                rest = colon < 0 ? "" : text.substring(colon);
            }
            if (host.isEmpty()) {
                throw new ConfigException(key, whole, "'" + text + "' has no host");
            }
            int port = -1;
            if (!rest.isEmpty()) {
                try {
                    port = Integer.parseInt(rest.substring(1));
                } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                    port = -1;
                }
                if (!rest.startsWith(":") || port < 0 || port > 65535) {
                    throw new ConfigException(key, whole, "'" + text + "' has no port 0..65535 after the host");
                }
            }
            return new HostPort(host, port);
        }
    }
}
