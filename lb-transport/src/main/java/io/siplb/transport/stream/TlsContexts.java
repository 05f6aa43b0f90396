package io.siplb.transport.stream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.siplb.core.config.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The TLS contexts of the stream transport, from PEM files: the server side of the TLS listeners
 * and the client side toward TLS destinations. TLS 1.2 and 1.3 only; BoringSSL through
 * netty-tcnative where it loads, else the JDK's provider. {@link #reload} reads the files again
 * ({@code POST /tls/reload}): new connections use the new certificate, open ones keep theirs.
 */
public final class TlsContexts {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final StreamSettings settings;
    private volatile SslContext server;
    private volatile SslContext client;

    /** @throws ConfigException naming the key and path of a file that is missing or unreadable */
    public TlsContexts(StreamSettings settings) {
        this.settings = settings;
        reload();
    }

    /** Which provider runs TLS: {@code OpenSSL} (BoringSSL) or {@code JDK}. */
    public static String provider() {
        return OpenSsl.isAvailable() ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
    }

    /** Whether a certificate is configured, so that TLS listeners can serve. */
    public boolean canServe() {
        return server != null;
    }

    /**
     * Reads the certificate, key and trust files again and swaps the contexts in.
     *
     * @throws ConfigException when a file is missing, unreadable or not PEM, or the key is not the
     *     certificate's: the contexts in force stay
     */
    public void reload() {
        SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        SslContext nextServer = null;
        if (settings.certificate() != null) {
            byte[] certificate = read("siplb.tls.certificate", settings.certificate());
            byte[] key = read("siplb.tls.key", settings.key());
            String mismatch = KeyMatch.problem(certificate, key);
            if (mismatch != null) {
                throw new ConfigException("siplb.tls.key", settings.key().toString(), mismatch
                        + " in siplb.tls.certificate=" + settings.certificate());
            }
            try {
                SslContextBuilder builder = SslContextBuilder.forServer(stream(certificate), stream(key))
                        .sslProvider(provider).protocols(PROTOCOLS)
                        .clientAuth(switch (settings.clientAuth()) {
                            case NONE -> ClientAuth.NONE;
                            case OPTIONAL -> ClientAuth.OPTIONAL;
                            case REQUIRE -> ClientAuth.REQUIRE;
                        });
                if (settings.trust() != null) {
                    builder.trustManager(stream(read("siplb.tls.trust", settings.trust())));
                }
                nextServer = builder.build();
            } catch (SSLException | IllegalArgumentException e) {
                throw new ConfigException("siplb.tls.certificate", settings.certificate().toString(),
                        "certificate and key must be PEM and match: " + e.getMessage());
            }
        }
        SslContext nextClient;
        try {
            SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(provider).protocols(PROTOCOLS);
            if (settings.trust() != null) {
                builder.trustManager(stream(read("siplb.tls.trust", settings.trust())));
            }
            if (settings.certificate() != null) {
                builder.keyManager(stream(read("siplb.tls.certificate", settings.certificate())),
                        stream(read("siplb.tls.key", settings.key())));
            }
            nextClient = builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException("siplb.tls.trust", String.valueOf(settings.trust()),
                    "trusted certificates must be PEM: " + e.getMessage());
        }
        server = nextServer;
        client = nextClient;
    }

    /** A handler for an accepted connection. */
    SslHandler serverHandler(ByteBufAllocator alloc) {
        return server.newHandler(alloc);
    }

    /**
     * A handler for a connection to {@code host}: SNI with the name, and the peer's certificate
     * verified against it (a name, or an IP literal against the certificate's IP entries).
     */
    SslHandler clientHandler(ByteBufAllocator alloc, String host, int port) {
        SslHandler handler = client.newHandler(alloc, host, port);
        SSLEngine engine = handler.engine();
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return handler;
    }

    private static byte[] read(String key, Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new ConfigException(key, path.toString(), "cannot read the file: " + e);
        }
    }

    private static InputStream stream(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }
}
