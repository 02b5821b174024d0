package io.notifyrelay.websocket.tls;

import io.notifyrelay.core.pem.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The server side of TLS for the HTTP/WebSocket listener: an {@link SSLContext} from PEM files or a keystore, with
 * the JDK only (no BouncyCastle). Everything is checked up front and every failure is an
 * {@link IllegalArgumentException} whose message says what to fix: a missing file, a key in a format the JDK cannot
 * read, a key that does not belong to the certificate, a wrong password, an expired certificate.
 *
 * @param sslContext  ready for Undertow's {@code addHttpsListener}
 * @param certificate the server's (leaf) certificate, for logs
 */
public record ServerTls(SSLContext sslContext, X509Certificate certificate) {

    private static final String ALIAS = "relay";

    public ServerTls {
        Objects.requireNonNull(sslContext, "sslContext");
        Objects.requireNonNull(certificate, "certificate");
    }

    /**
     * @param certificateChain PEM file with the server certificate first, then any intermediates
     * @param privateKey       PEM file with the server's unencrypted PKCS#8 private key
     *                         ({@code -----BEGIN PRIVATE KEY-----}), RSA or EC
     */
    public static ServerTls fromPem(Path certificateChain, Path privateKey) {
        List<X509Certificate> chain = readCertificates(certificateChain);
        PrivateKey key = readPrivateKey(privateKey);
        X509Certificate leaf = chain.get(0);
        checkKeyMatches(key, leaf, "the private key in " + privateKey + " does not belong to the certificate in "
                + certificateChain + " (the first certificate of the file must be the server's own)");
        checkValidity(leaf, "the certificate in " + certificateChain);
        char[] password = randomPassword();
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, password, chain.toArray(new Certificate[0]));
            return new ServerTls(sslContext(store, password), leaf);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use the TLS key and certificate: " + e.getMessage(), e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /**
     * @param keyStore a PKCS12 or JKS file (the type is detected) holding the server's private key entry and its
     *                 certificate chain; the key entry must have the keystore's password
     */
    public static ServerTls fromKeyStore(Path keyStore, char[] password) {
        requireReadable(keyStore, "keystore");
        KeyStore store;
        try {
            store = KeyStore.getInstance(keyStore.toFile(), password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw new IllegalArgumentException("cannot open the keystore " + keyStore
                        + ": wrong password (or the file is damaged)");
            }
            throw new IllegalArgumentException("cannot read the keystore " + keyStore + ": " + e.getMessage());
        } catch (KeyStoreException e) {
            throw new IllegalArgumentException("the file " + keyStore + " is not a PKCS12 or JKS keystore");
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read the keystore " + keyStore + ": " + e.getMessage());
        }
        try {
            List<String> keyAliases = new ArrayList<>();
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    keyAliases.add(alias);
                }
            }
            if (keyAliases.isEmpty()) {
                throw new IllegalArgumentException("the keystore " + keyStore + " holds no private key entry (only "
                        + "trusted certificates?); it needs the server's key and certificate chain");
            }
            X509Certificate leaf = null;
            for (String alias : keyAliases) {
                try {
                    store.getKey(alias, password);
                } catch (UnrecoverableKeyException e) {
                    throw new IllegalArgumentException("the key entry '" + alias + "' in " + keyStore
                            + " has another password than the keystore; give it the keystore's password");
                }
                Certificate certificate = store.getCertificate(alias);
                if (!(certificate instanceof X509Certificate x509)) {
                    throw new IllegalArgumentException("the key entry '" + alias + "' in " + keyStore
                            + " has no X.509 certificate");
                }
                checkValidity(x509, "the certificate of '" + alias + "' in " + keyStore);
                if (leaf == null) {
                    leaf = x509;
                }
            }
            return new ServerTls(sslContext(store, password), leaf);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the keystore " + keyStore + ": " + e.getMessage(), e);
        }
    }

    private static SSLContext sslContext(KeyStore store, char[] password) throws GeneralSecurityException {
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), null, null);
        return context;
    }

    private static List<X509Certificate> readCertificates(Path file) {
        String text = readText(file, "certificate");
        List<Pem.Block> blocks;
        try {
            blocks = Pem.blocks(text, "CERTIFICATE");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the certificate file " + file + " is not PEM: " + e.getMessage());
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("the certificate file " + file
                    + " holds no '-----BEGIN CERTIFICATE-----' block");
        }
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Pem.Block block : blocks) {
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("the certificate file " + file + " holds an unreadable certificate: "
                    + e.getMessage());
        }
        return chain;
    }

    private static PrivateKey readPrivateKey(Path file) {
        String text = readText(file, "private key");
        List<Pem.Block> blocks;
        try {
            blocks = Pem.blocks(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the private key file " + file + " is not PEM: " + e.getMessage());
        }
        for (Pem.Block block : blocks) {
            switch (block.label()) {
                case "PRIVATE KEY":
                    return decodePkcs8(block.der(), file);
                case "RSA PRIVATE KEY":
                case "EC PRIVATE KEY":
                    throw new IllegalArgumentException("the private key in " + file + " is in the old '" + block.label()
                            + "' format; convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName()
                            + " -out key.pkcs8.pem");
                case "ENCRYPTED PRIVATE KEY":
                    throw new IllegalArgumentException("the private key in " + file + " is encrypted; give it "
                            + "unencrypted (openssl pkcs8 -in " + file.getFileName() + " -out key.pkcs8.pem, and protect "
                            + "the file) or use a keystore with a password instead");
                default:
                    // certificates or parameters in the same file: keep looking
            }
        }
        throw new IllegalArgumentException("the private key file " + file
                + " holds no '-----BEGIN PRIVATE KEY-----' block");
    }

    private static PrivateKey decodePkcs8(byte[] der, Path file) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this type: try the next
            }
        }
        throw new IllegalArgumentException("the private key in " + file + " is neither an RSA nor an EC PKCS#8 key");
    }

    /** Signs a random challenge with the key and verifies it with the certificate's public key. */
    private static void checkKeyMatches(PrivateKey key, X509Certificate certificate, String mismatch) {
        PublicKey publicKey = certificate.getPublicKey();
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            throw new IllegalArgumentException(mismatch + ": the key is " + key.getAlgorithm() + ", the certificate's "
                    + publicKey.getAlgorithm());
        }
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException(mismatch);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(mismatch + " (" + e.getMessage() + ")");
        }
    }

    private static void checkValidity(X509Certificate certificate, String what) {
        try {
            certificate.checkValidity(new Date());
        } catch (CertificateExpiredException e) {
            throw new IllegalArgumentException(what + " expired on " + certificate.getNotAfter().toInstant()
                    + "; renew it");
        } catch (CertificateNotYetValidException e) {
            throw new IllegalArgumentException(what + " is not valid before " + certificate.getNotBefore().toInstant()
                    + "; check the clock or the certificate");
        }
    }

    private static String readText(Path file, String what) {
        requireReadable(file, what);
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read the " + what + " file " + file + ": " + e.getMessage());
        }
    }

    private static void requireReadable(Path file, String what) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("the " + what + " file " + file + " does not exist");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("the " + what + " file " + file + " is not a readable file");
        }
    }

    private static char[] randomPassword() {
        SecureRandom random = new SecureRandom();
        char[] password = new char[24];
        for (int i = 0; i < password.length; i++) {
            password[i] = (char) ('a' + random.nextInt(26));
        }
        return password;
    }

    /** A one-line description for the start-up log: subject and expiry, never key material. */
    public String describe() {
        return certificate.getSubjectX500Principal().getName() + ", valid until " + certificate.getNotAfter().toInstant();
    }
}
