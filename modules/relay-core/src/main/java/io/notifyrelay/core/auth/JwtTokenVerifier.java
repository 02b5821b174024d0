package io.notifyrelay.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies the relay's JWTs with nimbus-jose-jwt: HS256 with a shared secret and/or RS256 with a
 * public key. Required claims: {@code lob} (string) and {@code exp}; optional {@code contacts}
 * (array of strings) restricts the session to those contacts.
 */
public final class JwtTokenVerifier implements TokenVerifier {

    public static final String LOB_CLAIM = "lob";
    public static final String CONTACTS_CLAIM = "contacts";

    private final List<DefaultJWTProcessor<SecurityContext>> processors;

    private JwtTokenVerifier(List<DefaultJWTProcessor<SecurityContext>> processors) {
        this.processors = List.copyOf(processors);
    }

    /**
     * @param hmacSecret   HS256 shared secret (at least 32 bytes), or null
     * @param rsaPublicKey RS256 public key as PEM ({@code -----BEGIN PUBLIC KEY-----}), or null
     * @param clockSkew    tolerance applied to {@code exp} and {@code nbf}
     */
    public static JwtTokenVerifier create(byte[] hmacSecret, String rsaPublicKey, Duration clockSkew) {
        List<DefaultJWTProcessor<SecurityContext>> processors = new ArrayList<>();
        if (hmacSecret != null) {
            if (hmacSecret.length < 32) {
                throw new IllegalArgumentException("the HS256 secret must be at least 32 bytes (256 bits), got "
                        + hmacSecret.length);
            }
            processors.add(processor(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256,
                    new ImmutableSecret<>(hmacSecret)), clockSkew));
        }
        if (rsaPublicKey != null) {
            RSAKey key = new RSAKey.Builder(parseRsaPublicKey(rsaPublicKey)).build();
            processors.add(processor(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256,
                    new ImmutableJWKSet<>(new JWKSet(key))), clockSkew));
        }
        if (processors.isEmpty()) {
            throw new IllegalArgumentException("no verification key: give an HS256 secret or an RS256 public key");
        }
        return new JwtTokenVerifier(processors);
    }

    private static DefaultJWTProcessor<SecurityContext> processor(JWSKeySelector<SecurityContext> keys,
                                                                  Duration clockSkew) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(keys);
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                null, new HashSet<>(List.of(LOB_CLAIM, "exp")));
        claims.setMaxClockSkew((int) Math.min(Integer.MAX_VALUE, clockSkew.toSeconds()));
        processor.setJWTClaimsSetVerifier(claims);
        return processor;
    }

    @Override
    public Principal verify(String token) throws AuthenticationException {
        if (token == null || token.isBlank()) {
            throw new AuthenticationException("token is missing");
        }
        String failure = "token is not a signed JWT";
        for (DefaultJWTProcessor<SecurityContext> processor : processors) {
            try {
                return toPrincipal(processor.process(token, null));
            } catch (BadJWTException e) {
                // signature was good but the claims are not: no other key will change that
                throw new AuthenticationException(describe(e));
            } catch (BadJOSEException e) {
                failure = "token signature or algorithm not accepted";
            } catch (ParseException e) {
                throw new AuthenticationException("token is not a JWT");
            } catch (JOSEException e) {
                failure = "token could not be verified";
            }
        }
        throw new AuthenticationException(failure);
    }

    private static String describe(BadJWTException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.contains("Expired")) {
            return "token has expired";
        }
        if (message.contains("before use time")) {
            return "token is not valid yet (nbf)";
        }
        if (message.contains("missing required claims")) {
            return "token lacks a required claim (lob, exp)";
        }
        return "token claims rejected: " + message;
    }

    private static Principal toPrincipal(JWTClaimsSet claims) throws AuthenticationException {
        String lob;
        try {
            lob = claims.getStringClaim(LOB_CLAIM);
        } catch (ParseException e) {
            throw new AuthenticationException("claim lob must be a string");
        }
        if (lob == null || lob.isBlank()) {
            throw new AuthenticationException("claim lob must be a non-empty string");
        }
        Set<String> contacts = null;
        if (claims.getClaim(CONTACTS_CLAIM) != null) {
            try {
                List<String> list = claims.getStringListClaim(CONTACTS_CLAIM);
                if (list.contains(null)) {
                    throw new ParseException("contacts contains null", 0);
                }
                contacts = new LinkedHashSet<>(list);
            } catch (ParseException e) {
                throw new AuthenticationException("claim contacts must be an array of strings");
            }
        }
        return new Principal(lob, contacts, claims.getExpirationTime().toInstant());
    }

    /** Reads an X.509 SubjectPublicKeyInfo PEM, the format {@code openssl rsa -pubout} writes. */
    static RSAPublicKey parseRsaPublicKey(String pem) {
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(base64);
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        } catch (IllegalArgumentException | java.security.GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException(
                    "the RS256 public key is not a PEM 'BEGIN PUBLIC KEY' RSA key: " + e.getMessage(), e);
        }
    }
}
