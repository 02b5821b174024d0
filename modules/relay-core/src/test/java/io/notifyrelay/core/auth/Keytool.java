package io.notifyrelay.core.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Self-signed certificates from the JDK's keytool (the JDK has no public API to create certificates). */
final class Keytool {

    static final String PASSWORD = "changeit";

    private Keytool() {
    }

    /** A PKCS12 store with one entry, alias {@code key}: an RSA-2048 or EC P-256 key and its self-signed certificate. */
    static KeyStore selfSigned(Path dir, String keyAlgorithm, String dname) throws IOException, GeneralSecurityException,
            InterruptedException {
        Path store = dir.resolve("self-signed-" + System.nanoTime() + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "key", "-keyalg", keyAlgorithm,
                "-keysize", keyAlgorithm.equals("EC") ? "256" : "2048", "-dname", dname, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASSWORD))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        return KeyStore.getInstance(store.toFile(), PASSWORD.toCharArray());
    }
}
