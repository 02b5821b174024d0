package io.notifyrelay.app;

import io.notifyrelay.core.auth.JwtSettings;
import io.notifyrelay.websocket.ListenerBounds;
import io.notifyrelay.websocket.SocketIoLimits;
import io.notifyrelay.websocket.TokenLifecycle;
import io.notifyrelay.websocket.tls.ServerTls;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** A relay node's whole configuration, one typed record per concern, validated by {@link ConfigLoader}. */
public record RelayConfig(Kafka kafka, Http http, Auth auth, Sessions sessions, Replay replay, Records records,
                          Limits limits, Logging logging, String nodeId, Duration shutdownTimeout, Edge edge,
                          Tracing tracing, Feedback feedback) {

    /**
     * What the relay tells the Notify API: receipts and presence.
     *
     * @param receiptsTopic   where receipts go, or null for nowhere
     * @param presenceTopic   where nodes share session counts, or null (no /v1/presence, no undelivered receipts)
     * @param presenceInterval how often a node publishes its counts
     */
    public record Feedback(String receiptsTopic, int receiptsMaxQueued, String presenceTopic,
                           Duration presenceInterval, int presenceMaxContacts) {
    }

    /**
     * What anonymous clients may make the listener hold, what a socket.io client may send, and where operators'
     * endpoints are served.
     *
     * @param managementPort the port of the /metrics and /health listener, or null to serve them on the HTTP port
     */
    public record Edge(ListenerBounds listener, SocketIoLimits socketIo, Integer managementPort) {
    }

    /**
     * @param enabled         OTEL_TRACES_EXPORTER=otlp: spans are made and exported with OTLP
     * @param otelEnvironment the OTEL_* variables (endpoint, headers, service name, sampler …) the SDK reads
     */
    public record Tracing(boolean enabled, Map<String, String> otelEnvironment) {
        public Tracing {
            otelEnvironment = Map.copyOf(otelEnvironment);
        }

        public static Tracing off() {
            return new Tracing(false, Map.of());
        }
    }

    /** @param format "text" or "json"; @param level the root log level */
    public record Logging(String format, String level) {
    }

    /**
     * What happens to records that cannot be relayed.
     *
     * @param deadLetterTopic where they are copied, or null for nowhere (they are still counted and logged)
     * @param strict          validate every notification against the JSON Schema, not only its routing shape
     */
    public record Records(String deadLetterTopic, boolean strict) {
    }

    /** Caps that keep one client or one LOB from taking a node from the others. */
    public record Limits(int maxSessions, int maxSessionsPerLob, java.util.Set<String> allowedOrigins,
                         int maxFramesPerSecond) {
        public Limits {
            allowedOrigins = java.util.Set.copyOf(allowedOrigins);
        }
    }

    /** How resuming sessions are caught up: see {@code REPLAY_*} in {@link ConfigOption}. */
    public record Replay(int windowPerPartition, int windowMaxBytesPerPartition, long maxRecords, Duration timeout,
                         int concurrency, int maxQueuedPerSession, int maxQueuedPerLob) {
    }

    /**
     * @param mode            "anywhere" or "owner" (old names normalised); @param partitioner a name {@code ContactPartitioners} knows
     * @param metadataRefresh how often added partitions are looked for
     * @param unreachableAfter how long without an answer from Kafka before the node turns not-ready
     * @param startupTimeout  how long start-up tries to reach the cluster and describe the topic
     */
    public record Kafka(String bootstrapServers, String topic, String groupId, String groupProtocol,
                        String groupInstanceId, int maxRecordBytes, Map<String, String> properties,
                        String mode, String partitioner, Duration metadataRefresh, Duration unreachableAfter,
                        Duration startupTimeout) {
        public Kafka {
            properties = Map.copyOf(properties);
        }
    }

    /**
     * @param advertisedUrl the URL other nodes send clients to; null means derive it from host and port
     * @param tls           the listener's key and certificate; null for plain http/ws
     */
    public record Http(String host, int port, String advertisedUrl, Tls tls) {
    }

    /**
     * TLS for the HTTP/WebSocket listener: PEM files ({@code certificate} + {@code privateKey}) or a keystore.
     *
     * @param certificate      PEM certificate chain, server certificate first; null with a keystore
     * @param privateKey       PEM PKCS#8 private key; null with a keystore
     * @param keyStore         PKCS12 or JKS file; null with PEM files
     * @param keyStorePassword the keystore's (and its key entry's) password
     */
    public record Tls(Path certificate, Path privateKey, Path keyStore, String keyStorePassword) {

        /** The SSL context and certificate; throws {@link IllegalArgumentException} saying what to fix. */
        public ServerTls load() {
            return SecurityOptions.load(this);
        }

        @Override
        public String toString() {
            return keyStore != null ? "Tls[keyStore=" + keyStore + ", password=***]"
                    : "Tls[certificate=" + certificate + ", privateKey=" + privateKey + "]";
        }
    }

    /**
     * How tokens are verified and what happens when they run out.
     *
     * @param jwtSecret       HS256 secret bytes or null
     * @param jwtPublicKeyPem RS256 (RSA) or ES256 (EC P-256) public key PEM, or null
     * @param jwks            the JWKS URL (null when not set) and how long its keys are cached
     * @param requiredClaims  the {@code iss} and {@code aud} every token must carry
     * @param tokenExpiry     the {@code token_expiring} warning and the refresh grace
     */
    public record Auth(byte[] jwtSecret, String jwtPublicKeyPem, Duration clockSkew, Duration authTimeout, Jwks jwks,
                       RequiredClaims requiredClaims, TokenExpiry tokenExpiry) {

        /** What the token verifier is built from. */
        public JwtSettings jwtSettings() {
            return new JwtSettings(jwtSecret, jwtPublicKeyPem, jwks.url(), jwks.cacheTtl(), requiredClaims.issuer(),
                    requiredClaims.audiences(), clockSkew);
        }

        public TokenLifecycle tokenLifecycle() {
            return new TokenLifecycle(tokenExpiry.warning(), tokenExpiry.refreshGrace());
        }
    }

    /** @param url JWK Set URL or null; @param cacheTtl how long a fetched set is used */
    public record Jwks(URI url, Duration cacheTtl) {
    }

    /** @param issuer required {@code iss} or null; @param audiences accepted {@code aud} values, empty for any */
    public record RequiredClaims(String issuer, Set<String> audiences) {
        public RequiredClaims {
            audiences = Set.copyOf(audiences);
        }
    }

    /** @param warning how long before exp to warn; @param refreshGrace how long after exp a refresh is taken */
    public record TokenExpiry(Duration warning, Duration refreshGrace) {
    }

    /** @param maxContactIdBytes and @param maxSubscriptionBytes bound what one session's subscription holds */
    public record Sessions(Duration heartbeatInterval, long maxBufferBytes, int maxFrameBytes,
                           int maxContactsPerSession, int maxContactIdBytes, int maxSubscriptionBytes) {
    }
}
