package io.siplb.transport.demo;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed certificate for loopback ({@code localhost}, {@code 127.0.0.1}, {@code ::1}) with
 * its key: what {@code --demo} serves TLS with, generated at its first start into a directory of
 * the user's (never shipped), and what the tests use. ECDSA P-256, valid for a year, usable by
 * servers and clients.
 *
 * @param certificate the certificate, also its own trust anchor
 * @param keys its key pair
 */
public record DemoCertificate(X509Certificate certificate, KeyPair keys) {

    /** Generates a fresh one for {@code commonName}. */
    public static DemoCertificate generate(String commonName) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair keys = generator.generateKeyPair();
            X500Name name = new X500Name("CN=" + commonName);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(365))), name, keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, "::1")}));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return new DemoCertificate(certificate, keys);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate a demo certificate: " + e, e);
        }
    }

    /**
     * The pair in {@code directory} ({@code siplb-demo.crt}, {@code siplb-demo.key}), generated
     * there first when absent; the key file is readable by its owner only.
     */
    public static Pair inDirectory(Path directory) {
        Path certificate = directory.resolve("siplb-demo.crt");
        Path key = directory.resolve("siplb-demo.key");
        if (!Files.isReadable(certificate) || !Files.isReadable(key)) {
            generate("siplb demo").write(certificate, key);
        }
        return new Pair(certificate, key);
    }

    /** Where a pair lies: certificate PEM, key PEM. */
    public record Pair(Path certificate, Path key) {
    }

    /** Writes the certificate and the key (PKCS#8) as PEM. */
    public void write(Path certificateFile, Path keyFile) {
        try {
            Files.createDirectories(certificateFile.toAbsolutePath().getParent());
            Files.writeString(certificateFile, pem(certificate));
            Files.deleteIfExists(keyFile);
            try {
                Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(keyFile);
            }
            Files.writeString(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }
}
