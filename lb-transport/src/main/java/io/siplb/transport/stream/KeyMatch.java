package io.siplb.transport.stream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Whether a PEM private key belongs to the first certificate of a PEM chain: a few bytes signed
 * with the key must verify with the certificate's public key. Neither TLS provider refuses a key
 * of another certificate when the context is built (the JDK's meets it only in a handshake), so
 * a renewal that left the old key in place would otherwise be found by the first caller.
 */
final class KeyMatch {
    private static final byte[] PROBE = "siplb key check".getBytes(StandardCharsets.US_ASCII);

    private KeyMatch() {
    }

    /**
     * @return {@code null} when the key is the certificate's, else what is wrong
     */
    static String problem(byte[] certificatePem, byte[] keyPem) {
        try {
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(certificatePem));
            PrivateKey key = privateKey(keyPem);
            if (key == null) {
                return "holds no private key";
            }
            PublicKey expected = certificate.getPublicKey();
            if (!expected.getAlgorithm().equals(key.getAlgorithm())) {
                return "is a " + key.getAlgorithm() + " key, the certificate's is " + expected.getAlgorithm();
            }
            String algorithm = signature(key.getAlgorithm());
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signed = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(expected);
            verifier.update(PROBE);
            return verifier.verify(signed) ? null : "is not the key of the certificate ("
                    + certificate.getSubjectX500Principal().getName() + ")";
        } catch (GeneralSecurityException | IOException | ClassCastException e) {
            return "cannot be read with the certificate: " + e.getMessage();
        }
    }

    private static PrivateKey privateKey(byte[] pem) throws IOException {
        try (Reader reader = new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
            return null;
        }
    }

    private static String signature(String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> keyAlgorithm; // Ed25519, Ed448
        };
    }
}
