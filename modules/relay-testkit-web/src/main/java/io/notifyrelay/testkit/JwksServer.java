package io.notifyrelay.testkit;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An identity provider's JWKS endpoint for tests: a real HTTP server on 127.0.0.1 (JDK {@code HttpServer}, port 0)
 * serving a JWK Set the test can replace at any time, e.g. to rotate keys. Serves public keys only.
 */
public final class JwksServer implements AutoCloseable {

    public static final String PATH = "/.well-known/jwks.json";

    private final HttpServer server;
    private final AtomicReference<JWKSet> keys = new AtomicReference<>(new JWKSet());
    private final AtomicInteger fetches = new AtomicInteger();

    public JwksServer(JWK... initial) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext(PATH, exchange -> {
            fetches.incrementAndGet();
            byte[] body = keys.get().toString(true).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        serve(initial);
    }

    /** The public JWK of an RSA or EC P-256 key pair, with {@code kid} and {@code use=sig}. */
    public static JWK jwk(KeyPair keyPair, String kid) {
        if (keyPair.getPublic() instanceof RSAPublicKey rsa) {
            return new RSAKey.Builder(rsa).keyID(kid).keyUse(KeyUse.SIGNATURE).build();
        }
        return new ECKey.Builder(Curve.P_256, (ECPublicKey) keyPair.getPublic()).keyID(kid).keyUse(KeyUse.SIGNATURE)
                .build();
    }

    /** Replaces the served set. */
    public void serve(JWK... jwks) {
        keys.set(new JWKSet(List.of(jwks)));
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PATH);
    }

    /** How often the set was fetched. */
    public int fetches() {
        return fetches.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
