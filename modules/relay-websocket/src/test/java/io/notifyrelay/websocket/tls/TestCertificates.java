package io.notifyrelay.websocket.tls;

import io.notifyrelay.core.pem.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed server certificates for localhost/127.0.0.1, made by the JDK's keytool at test time (nothing checked
 * in), in every form the relay reads: PKCS12, JKS, and PEM certificate + PKCS#8 key.
 */
public final class TestCertificates {

    public static final String PASSWORD = "test-store-password";
    public static final String ALIAS = "relay";

    private final Path keyStore;
    private final X509Certificate certificate;
    private final PrivateKey privateKey;

    private TestCertificates(Path keyStore, X509Certificate certificate, PrivateKey privateKey) {
        this.keyStore = keyStore;
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    /** @param keyAlgorithm RSA or EC; @param storeType PKCS12 or JKS; @param extra more keytool options */
    public static TestCertificates generate(Path dir, String keyAlgorithm, String storeType, String... extra) {
        Path store = dir.resolve("relay-" + keyAlgorithm.toLowerCase() + "-" + System.nanoTime()
                + (storeType.equals("JKS") ? ".jks" : ".p12"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", ALIAS, "-keyalg", keyAlgorithm, "-keysize", keyAlgorithm.equals("EC") ? "256" : "2048",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", storeType, "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD));
        command.addAll(List.of(extra));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore loaded = KeyStore.getInstance(store.toFile(), PASSWORD.toCharArray());
            return new TestCertificates(store, (X509Certificate) loaded.getCertificate(ALIAS),
                    (PrivateKey) loaded.getKey(ALIAS, PASSWORD.toCharArray()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Path keyStore() {
        return keyStore;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public Path writeCertificatePem(Path file) throws IOException, GeneralSecurityException {
        return Files.writeString(file, Pem.encode("CERTIFICATE", certificate.getEncoded()));
    }

    /** PKCS#8 ({@code BEGIN PRIVATE KEY}), what the relay reads. */
    public Path writePrivateKeyPem(Path file) throws IOException {
        return Files.writeString(file, Pem.encode("PRIVATE KEY", privateKey.getEncoded()));
    }

    /** A client context that trusts exactly this certificate. */
    public SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("relay", (Certificate) certificate);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
