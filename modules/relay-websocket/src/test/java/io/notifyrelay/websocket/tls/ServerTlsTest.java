package io.notifyrelay.websocket.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.pem.Pem;
import io.notifyrelay.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading the server's key and certificate, and the messages when that cannot work. */
class ServerTlsTest {

    @TempDir
    static Path dir;
    static TestCertificates rsa;
    static TestCertificates ec;

    @BeforeAll
    static void generate() {
        rsa = TestCertificates.generate(dir, "RSA", "PKCS12");
        ec = TestCertificates.generate(dir, "EC", "PKCS12");
    }

    static String failure(Runnable load) {
        return assertThrows(IllegalArgumentException.class, load::run).getMessage();
    }

    @Test
    void rsaPem() throws Exception {
        ServerTls tls = ServerTls.fromPem(rsa.writeCertificatePem(dir.resolve("rsa.crt")),
                rsa.writePrivateKeyPem(dir.resolve("rsa.key")));
        assertEquals(rsa.certificate(), tls.certificate());
        assertTrue(tls.describe().contains("CN=localhost"), tls.describe());
    }

    @Test
    void ecPem() throws Exception {
        ServerTls tls = ServerTls.fromPem(ec.writeCertificatePem(dir.resolve("ec.crt")),
                ec.writePrivateKeyPem(dir.resolve("ec.key")));
        assertEquals(ec.certificate(), tls.certificate());
    }

    @Test
    void pemChainWithIntermediatesAndExtraText() throws Exception {
        Path chain = Files.writeString(dir.resolve("chain.pem"), "Bag Attributes: friendlyName: relay\n"
                + Pem.encode("CERTIFICATE", rsa.certificate().getEncoded())
                + Pem.encode("CERTIFICATE", ec.certificate().getEncoded()));
        ServerTls tls = ServerTls.fromPem(chain, rsa.writePrivateKeyPem(dir.resolve("chain.key")));
        assertEquals(rsa.certificate(), tls.certificate());
    }

    @Test
    void pkcs12KeyStore() {
        assertEquals(rsa.certificate(), ServerTls.fromKeyStore(rsa.keyStore(), TestCertificates.PASSWORD.toCharArray())
                .certificate());
    }

    @Test
    void jksKeyStore() {
        TestCertificates jks = TestCertificates.generate(dir, "EC", "JKS");
        assertNotNull(ServerTls.fromKeyStore(jks.keyStore(), TestCertificates.PASSWORD.toCharArray()).sslContext());
    }

    @Test
    void keyOfAnotherCertificate() throws Exception {
        Path cert = rsa.writeCertificatePem(dir.resolve("mismatch.crt"));
        Path otherRsaKey = TestCertificates.generate(dir, "RSA", "PKCS12").writePrivateKeyPem(dir.resolve("other.key"));
        assertTrue(failure(() -> ServerTls.fromPem(cert, otherRsaKey)).contains("does not belong to the certificate"));
        Path ecKey = ec.writePrivateKeyPem(dir.resolve("ec-for-rsa.key"));
        assertTrue(failure(() -> ServerTls.fromPem(cert, ecKey)).contains("does not belong to the certificate"));
    }

    @Test
    void missingFiles() throws Exception {
        Path key = rsa.writePrivateKeyPem(dir.resolve("present.key"));
        String message = failure(() -> ServerTls.fromPem(dir.resolve("absent.crt"), key));
        assertTrue(message.contains("absent.crt") && message.contains("does not exist"), message);
        Path cert = rsa.writeCertificatePem(dir.resolve("present.crt"));
        assertTrue(failure(() -> ServerTls.fromPem(cert, dir.resolve("absent.key"))).contains("does not exist"));
        assertTrue(failure(() -> ServerTls.fromKeyStore(dir.resolve("absent.p12"), "x".toCharArray()))
                .contains("does not exist"));
    }

    @Test
    void wrongKeyStorePassword() {
        String message = failure(() -> ServerTls.fromKeyStore(rsa.keyStore(), "not-the-password".toCharArray()));
        assertTrue(message.contains("wrong password"), message);
    }

    @Test
    void notAKeyStore() throws Exception {
        Path text = Files.writeString(dir.resolve("not-a-store.p12"), "hello");
        failure(() -> ServerTls.fromKeyStore(text, "x".toCharArray()));
    }

    @Test
    void swappedFilesAreExplained() throws Exception {
        Path cert = rsa.writeCertificatePem(dir.resolve("swap.crt"));
        Path key = rsa.writePrivateKeyPem(dir.resolve("swap.key"));
        assertTrue(failure(() -> ServerTls.fromPem(key, cert)).contains("BEGIN CERTIFICATE"));
    }

    @Test
    void oldAndEncryptedKeyFormatsGetAnOpensslHint() throws Exception {
        Path cert = rsa.writeCertificatePem(dir.resolve("fmt.crt"));
        Path pkcs1 = Files.writeString(dir.resolve("pkcs1.key"), Pem.encode("RSA PRIVATE KEY", new byte[] {1, 2, 3}));
        assertTrue(failure(() -> ServerTls.fromPem(cert, pkcs1)).contains("openssl pkcs8 -topk8"));
        Path encrypted = Files.writeString(dir.resolve("enc.key"), Pem.encode("ENCRYPTED PRIVATE KEY", new byte[] {1}));
        assertTrue(failure(() -> ServerTls.fromPem(cert, encrypted)).contains("encrypted"));
        Path garbage = Files.writeString(dir.resolve("garbage.key"), Pem.encode("PRIVATE KEY", new byte[] {1, 2, 3}));
        assertTrue(failure(() -> ServerTls.fromPem(cert, garbage)).contains("neither an RSA nor an EC"));
    }

    @Test
    void expiredCertificate() throws Exception {
        TestCertificates expired = TestCertificates.generate(dir, "EC", "PKCS12", "-startdate", "-10d");
        Path cert = expired.writeCertificatePem(dir.resolve("expired.crt"));
        Path key = expired.writePrivateKeyPem(dir.resolve("expired.key"));
        assertTrue(failure(() -> ServerTls.fromPem(cert, key)).contains("expired"));
        assertTrue(failure(() -> ServerTls.fromKeyStore(expired.keyStore(), TestCertificates.PASSWORD.toCharArray()))
                .contains("expired"));
    }

    @Test
    void keyStoreWithOnlyATrustedCertificate() throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", rsa.certificate());
        Path file = dir.resolve("truststore.p12");
        try (var out = Files.newOutputStream(file)) {
            store.store(out, "pw".toCharArray());
        }
        assertTrue(failure(() -> ServerTls.fromKeyStore(file, "pw".toCharArray())).contains("no private key"));
    }
}
