package io.notifyrelay.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed server certificate for {@code localhost} and {@code 127.0.0.1}, made at test time by the JDK's
 * {@code keytool} (the JDK has no public API to issue certificates, and nothing is checked in), in each form a relay
 * reads: a PKCS12 keystore, and a PEM certificate plus PKCS#8 PEM key. {@link #clientContext()} trusts exactly it.
 * <pre>{@code
 * TestCertificates tls = TestCertificates.generate(tempDir, "EC");
 * env.put("RELAY_TLS_CERT", tls.certificatePem().toString());
 * env.put("RELAY_TLS_KEY", tls.privateKeyPem().toString());
 * WsTestClient.builder(uri).sslContext(tls.clientContext()).connect();
 * }</pre>
 */
public final class TestCertificates {

    public static final String PASSWORD = "test-keystore-password";
    public static final String ALIAS = "relay";

    private final Path dir;
    private final Path keyStore;
    private final X509Certificate certificate;
    private final PrivateKey privateKey;

    private TestCertificates(Path dir, Path keyStore, X509Certificate certificate, PrivateKey privateKey) {
        this.dir = dir;
        this.keyStore = keyStore;
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    /** @param keyAlgorithm {@code RSA} (2048 bits) or {@code EC} (P-256); a PKCS12 keystore */
    public static TestCertificates generate(Path dir, String keyAlgorithm) {
        return generate(dir, keyAlgorithm, "PKCS12");
    }

    /**
     * @param keyAlgorithm {@code RSA} (2048 bits) or {@code EC} (P-256)
     * @param storeType {@code PKCS12} or {@code JKS}
     * @param keytoolOptions more {@code keytool -genkeypair} options, e.g. {@code "-startdate", "-3d"} for an
     *     expired certificate (a later {@code -validity} wins over the default of 2 days)
     */
    public static TestCertificates generate(Path dir, String keyAlgorithm, String storeType, String... keytoolOptions) {
        Path store = dir.resolve("relay-tls-" + keyAlgorithm.toLowerCase() + "-" + System.nanoTime()
                + (storeType.equals("JKS") ? ".jks" : ".p12"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", ALIAS, "-keyalg", keyAlgorithm, "-keysize", keyAlgorithm.equals("EC") ? "256" : "2048",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", storeType, "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD));
        command.addAll(List.of(keytoolOptions));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore loaded = KeyStore.getInstance(store.toFile(), PASSWORD.toCharArray());
            return new TestCertificates(dir, store, (X509Certificate) loaded.getCertificate(ALIAS),
                    (PrivateKey) loaded.getKey(ALIAS, PASSWORD.toCharArray()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a test certificate: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The keystore (PKCS12 unless asked otherwise; password {@link #PASSWORD}). */
    public Path keyStore() {
        return keyStore;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** Writes (once) and returns the certificate as PEM, beside the keystore. */
    public Path certificatePem() {
        Path file = dir.resolve(keyStore.getFileName() + "-tls.crt");
        return Files.exists(file) ? file : writeCertificatePem(file);
    }

    /** Writes (once) and returns the private key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public Path privateKeyPem() {
        Path file = dir.resolve(keyStore.getFileName() + "-tls.key");
        return Files.exists(file) ? file : writePrivateKeyPem(file);
    }

    /** Writes the certificate as PEM to {@code file}. */
    public Path writeCertificatePem(Path file) {
        try {
            return writePem(file, "CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the private key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}, what the relay reads). */
    public Path writePrivateKeyPem(Path file) {
        return writePem(file, "PRIVATE KEY", privateKey.getEncoded());
    }

    /** A client TLS context that trusts this certificate and nothing else. */
    public SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry(ALIAS, certificate);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path writePem(Path file, String label, byte[] der) {
        String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        try {
            return Files.writeString(file, "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
