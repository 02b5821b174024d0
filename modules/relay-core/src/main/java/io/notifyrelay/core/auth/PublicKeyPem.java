package io.notifyrelay.core.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import io.notifyrelay.core.pem.Pem;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;

/**
 * A token-signing public key read from PEM, with the one JWS algorithm it verifies: an RSA key verifies
 * RS256, an EC P-256 key verifies ES256. The type is detected from the key itself, so one setting takes either.
 *
 * <p>Accepted: {@code -----BEGIN PUBLIC KEY-----} (X.509 SubjectPublicKeyInfo, what {@code openssl pkey -pubout}
 * writes) or {@code -----BEGIN CERTIFICATE-----} (the key of the certificate; its validity is not checked,
 * only the key is used).
 */
public record PublicKeyPem(JWSAlgorithm algorithm, PublicKey key) {

    /** RSA keys below this size are refused (NIST SP 800-131A). */
    public static final int MIN_RSA_BITS = 2048;

    /**
     * @throws IllegalArgumentException with a message that says what is wrong and how to fix it
     */
    public static PublicKeyPem parse(String pem) {
        List<Pem.Block> blocks;
        try {
            blocks = Pem.blocks(pem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the JWT public key is not PEM: " + e.getMessage());
        }
        Pem.Block block = blocks.get(0);
        PublicKey key = switch (block.label()) {
            case "PUBLIC KEY" -> decodeSpki(block.der());
            case "CERTIFICATE" -> fromCertificate(block.der());
            case "RSA PUBLIC KEY" -> throw new IllegalArgumentException("the JWT public key is a PKCS#1 'RSA PUBLIC KEY';"
                    + " convert it to 'PUBLIC KEY' with: openssl rsa -RSAPublicKey_in -in key.pem -pubout");
            default -> throw new IllegalArgumentException("the JWT public key must be a PEM 'PUBLIC KEY' (or a "
                    + "'CERTIFICATE'), got '" + block.label() + "'" + (block.label().contains("PRIVATE")
                    ? "; never configure the private key, extract the public one with: openssl pkey -in key.pem -pubout"
                    : ""));
        };
        return of(key);
    }

    /** The algorithm for an RSA or EC P-256 public key. */
    public static PublicKeyPem of(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new IllegalArgumentException("the RSA public key has " + bits + " bits; RS256 needs at least "
                        + MIN_RSA_BITS);
            }
            return new PublicKeyPem(JWSAlgorithm.RS256, rsa);
        }
        if (key instanceof ECPublicKey ec) {
            Curve curve = Curve.forECParameterSpec(ec.getParams());
            if (!Curve.P_256.equals(curve)) {
                throw new IllegalArgumentException("the EC public key is on curve "
                        + (curve == null ? "(unknown)" : curve.getName()) + "; only P-256 (ES256) is accepted");
            }
            return new PublicKeyPem(JWSAlgorithm.ES256, ec);
        }
        throw new IllegalArgumentException("the JWT public key is " + key.getAlgorithm()
                + "; only RSA (RS256) and EC P-256 (ES256) keys are accepted");
    }

    private static PublicKey decodeSpki(byte[] der) {
        X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(spec);
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this type: try the next
            }
        }
        throw new IllegalArgumentException("the JWT public key PEM holds no readable RSA or EC public key");
    }

    private static PublicKey fromCertificate(byte[] der) {
        try {
            return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der))
                    .getPublicKey();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("the JWT public key PEM holds an unreadable certificate");
        }
    }
}
