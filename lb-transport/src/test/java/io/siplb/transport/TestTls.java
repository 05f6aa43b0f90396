package io.siplb.transport;

import io.siplb.transport.demo.DemoCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A generated loopback certificate for the tests: PEM files for siplb, a JDK context for peers. */
final class TestTls {
    final DemoCertificate pair;
    final Path certificate;
    final Path key;

    private TestTls(DemoCertificate pair) {
        this.pair = pair;
        try {
            Path directory = Files.createTempDirectory("siplb-tls-");
            directory.toFile().deleteOnExit();
            certificate = directory.resolve("siplb.crt");
            key = directory.resolve("siplb.key");
            pair.write(certificate, key);
            certificate.toFile().deleteOnExit();
            key.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TestTls generate(String name) {
        return new TestTls(DemoCertificate.generate(name));
    }

    /** The settings that make siplb serve with this certificate and trust only it. */
    String[] settings() {
        return new String[] {"siplb.tls.certificate=" + certificate, "siplb.tls.key=" + key,
                "siplb.tls.trust=" + certificate};
    }

    /** A JDK context that presents no certificate and trusts {@code trusted}. */
    static SSLContext anonymous(TestTls... trusted) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust(trusted).getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TrustManagerFactory trust(TestTls... trusted) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < trusted.length; i++) {
            trust.setCertificateEntry("trusted-" + i, trusted[i].pair.certificate());
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        return factory;
    }

    /** A JDK context that presents this certificate and trusts {@code trusted}. */
    SSLContext context(TestTls... trusted) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("me", pair.keys().getPrivate(), new char[0], new Certificate[] {pair.certificate()});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, new char[0]);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < trusted.length; i++) {
                trust.setCertificateEntry("trusted-" + i, trusted[i].pair.certificate());
            }
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
