package io.notifyrelay.app;

import io.notifyrelay.core.pem.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Lets {@link HealthCheck} reach a node that serves TLS, from the node's own environment: when RELAY_TLS_CERT or
 * RELAY_TLS_KEYSTORE is set, an {@code http://} URL becomes {@code https://} and the client trusts exactly the
 * node's own certificate (pinned, so the host name in the URL, usually localhost, need not be in it).
 */
final class HealthCheckTls {

    private HealthCheckTls() {
    }

    static boolean enabled(Map<String, String> env) {
        return present(env, ConfigOption.TLS_CERT) || present(env, ConfigOption.TLS_KEYSTORE);
    }

    /** {@code url}, on https when the node serves TLS. */
    static URI target(String url, Map<String, String> env) {
        if (enabled(env) && url.startsWith("http://")) {
            return URI.create("https://" + url.substring("http://".length()));
        }
        return URI.create(url);
    }

    static HttpClient client(Map<String, String> env) throws IOException, GeneralSecurityException {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        if (enabled(env)) {
            // the certificate is pinned below: the name check adds nothing for a probe of localhost
            System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
            builder.sslContext(trusting(nodeCertificates(env)));
        }
        return builder.build();
    }

    private static List<Certificate> nodeCertificates(Map<String, String> env) throws IOException,
            GeneralSecurityException {
        List<Certificate> certificates = new ArrayList<>();
        if (present(env, ConfigOption.TLS_CERT)) {
            String pem = Files.readString(Path.of(env.get(ConfigOption.TLS_CERT.envName()).trim()),
                    StandardCharsets.ISO_8859_1);
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Pem.Block block : Pem.blocks(pem, "CERTIFICATE").subList(0, 1)) {
                certificates.add(factory.generateCertificate(new ByteArrayInputStream(block.der())));
            }
        } else {
            String password = env.getOrDefault(ConfigOption.TLS_KEYSTORE_PASSWORD.envName(), "");
            KeyStore store = KeyStore.getInstance(Path.of(env.get(ConfigOption.TLS_KEYSTORE.envName()).trim()).toFile(),
                    password.toCharArray());
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias) && store.getCertificate(alias) != null) {
                    certificates.add(store.getCertificate(alias));
                }
            }
        }
        return certificates;
    }

    private static SSLContext trusting(List<Certificate> certificates) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < certificates.size(); i++) {
            trust.setCertificateEntry("node-" + i, certificates.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private static boolean present(Map<String, String> env, ConfigOption option) {
        String value = env.get(option.envName());
        return value != null && !value.isBlank();
    }
}
