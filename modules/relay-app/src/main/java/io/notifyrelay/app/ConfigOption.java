package io.notifyrelay.app;

import java.util.List;
import java.util.Locale;

/**
 * Every setting of a relay node, in one catalogue: its environment variable, its command-line flag,
 * its default and what it means. The loader, {@code --help} and the README's configuration reference
 * all come from here (a test keeps the README in step).
 */
public enum ConfigOption {
    KAFKA_BOOTSTRAP_SERVERS(null, "Kafka bootstrap servers, host:port[,host:port]. Required."),
    TOPIC("notify.events", "Topic the Notify API publishes to."),
    GROUP_ID("notify-relay", "Consumer group shared by all relay nodes of one deployment."),
    GROUP_PROTOCOL("classic", "Consumer group protocol: classic or consumer (KIP-848)."),
    MODE("anywhere", "anywhere: every node reads every partition and serves any session completely (one socket per "
            + "client), a consumer group does the once-per-record duties (progress, lag, dead letters); owner: the nodes "
            + "share the partitions and send sessions to the owner (moved), for topics one node cannot read. Old names: "
            + "broadcast = anywhere, group = owner. See docs/architecture.md."),
    PARTITIONER("murmur2", "How producers place contacts: murmur2 (Java client, kafkajs) or consistent_random "
            + "(librdkafka: kcat, confluent-kafka, node-rdkafka)."),
    GROUP_INSTANCE_ID(null, "Static membership id (group.instance.id) for rolling restarts; unique per node."),
    KAFKA_STARTUP_TIMEOUT("30s", "How long start-up tries to reach Kafka and describe the topic before it stops with "
            + "one message naming the servers and what each did (exit code 1). At most 10m."),
    METADATA_REFRESH("5s", "How often the relay looks for added partitions of the topic (and the consumer's "
            + "metadata.max.age.ms): new partitions are read from their beginning and routes follow. 1s to 5m."),
    KAFKA_UNREACHABLE_AFTER("6s", "How long a node may go without an answer from Kafka (topic leaders, group "
            + "coordinator) before it turns not-ready, stops naming itself in /v1/routes, sends its sessions a status "
            + "frame and, when another node is ready, closes them with 4503 to reconnect there (and answers /v1/routes with "
            + "503). 2s to 5m."),
    NODE_ID(null, "This node's name in welcome frames and logs. Default: the host name."),
    HTTP_HOST("0.0.0.0", "Interface the HTTP/WebSocket listener binds."),
    HTTP_PORT("8080", "HTTP/WebSocket port; 0 picks a free port."),
    ADVERTISED_URL(null, "WebSocket URL other nodes send clients to (moved, /v1/routes). "
            + "Default: ws://<host>:<port>/v1/ws (wss:// with TLS) with the bound host, or the host name when bound to "
            + "0.0.0.0."),
    MANAGEMENT_PORT(null, "Port of a separate plain-HTTP listener (on HTTP_HOST) for /metrics and /health/*, which "
            + "are then not served on HTTP_PORT; 0 picks a free port. Default: served on HTTP_PORT."),
    MAX_HEADER_BYTES("16384", "Most bytes of request line and headers one request may have (the WebSocket upgrade "
            + "included); beyond, the connection is closed."),
    MAX_HEADERS("100", "Most header fields one request may have; beyond, the connection is closed."),
    REQUEST_TIMEOUT("10s", "Time from a request's first byte to the end of its headers (the WebSocket upgrade "
            + "included); then the connection is closed."),
    IDLE_CONNECTION_TIMEOUT("10s", "Time a connection may stay open without starting a request (new or kept alive); "
            + "then it is closed. Behind a load balancer that reuses idle connections, set it above the balancer's."),
    MAX_REQUEST_BYTES("65536", "Largest body of a plain HTTP request; beyond, the request fails and the connection "
            + "is closed (socket.io polling POSTs: MAX_FRAME_BYTES, then 413)."),
    MAX_CONNECTIONS("auto", "Open TCP connections on the HTTP/WebSocket listener, of every kind; beyond, a new "
            + "connection gets 503 and is closed at accept. auto: the file descriptor limit less a tenth (at least 512 "
            + "kept for Kafka and files); a number must fit under that too."),
    MAX_PENDING_CONNECTIONS("2000", "Open connections that are not WebSocket sessions (requests being read, idle "
            + "keep-alive, socket.io polling), at most MAX_CONNECTIONS; beyond, a new connection gets 503 at accept."),
    TLS_CERT(null, "PEM file with the server certificate chain, server certificate first. With TLS_KEY the listener "
            + "serves https:// and wss:// only."),
    TLS_KEY(null, "PEM file with the server's unencrypted PKCS#8 private key (BEGIN PRIVATE KEY), RSA or EC."),
    TLS_KEYSTORE(null, "PKCS12 or JKS keystore with the server key and certificate chain, instead of TLS_CERT and TLS_KEY."),
    TLS_KEYSTORE_PASSWORD(null, "Password of TLS_KEYSTORE and of its key entry."),
    JWT_SECRET(null, "HS256 shared secret (at least 32 bytes). At least one of JWT_SECRET, JWT_PUBLIC_KEY or "
            + "JWT_JWKS_URL is required."),
    JWT_PUBLIC_KEY(null, "RS256 (RSA) or ES256 (EC P-256) public key, detected from the key: PEM text or the path of a "
            + "PEM file (PUBLIC KEY or CERTIFICATE)."),
    JWT_JWKS_URL(null, "JWK Set URL of the identity provider; its RS256 and ES256 keys verify tokens, by kid. https "
            + "(http only for localhost)."),
    JWT_JWKS_CACHE_TTL("5m", "How long a fetched JWK Set is used; refreshed in the background before, and at once "
            + "(at most twice per 30s) when a token names an unknown kid."),
    JWT_ISSUER(null, "Required iss claim. Default: not checked."),
    JWT_AUDIENCE(null, "Accepted aud values, comma-separated; a token must name one. Default: not checked."),
    JWT_CLOCK_SKEW("30s", "Tolerance for exp and nbf checks, at most 5m."),
    TOKEN_EXPIRY_WARNING("60s", "How long before exp a session gets a token_expiring frame (at once for shorter "
            + "tokens); 0 sends none."),
    TOKEN_REFRESH_GRACE("0s", "How long after exp a session may still send a fresh auth before close 4401; events keep "
            + "flowing meanwhile. At most 5m."),
    AUTH_TIMEOUT("10s", "Time a new connection has to send its auth frame (then close 4408)."),
    HEARTBEAT_INTERVAL("25s", "Server ping interval; a session silent for two intervals is dropped."),
    SESSION_MAX_BUFFER_BYTES("1048576", "Bytes queued for one session beyond which it is closed as too slow (4429); "
            + "while it resumes, it may also hold 8 times this of live events."),
    MAX_FRAME_BYTES("65536", "Largest client frame accepted (then close 1009)."),
    MAX_CONTACTS_PER_SESSION("1000", "Most contacts one session may subscribe to."),
    MAX_CONTACT_ID_BYTES("256", "Longest contact id (UTF-8 bytes) a subscribe or a token's contacts claim may name, "
            + "and longest lob claim; beyond, error bad_frame, or the token is refused (4401, socket.io "
            + "CONNECT_ERROR)."),
    MAX_SUBSCRIPTION_BYTES("65536", "Most UTF-8 bytes of contact ids one session may subscribe to, or a token's "
            + "contacts claim may name; beyond, error too_many_subscriptions, or the token is refused."),
    MAX_RECORD_BYTES("262144", "Largest record value relayed; larger ones are rejected."),
    REPLAY_WINDOW("1000", "Recent events kept in memory per partition, so short disconnects resume without reading Kafka; 0 keeps none."),
    REPLAY_WINDOW_MAX_BYTES("4194304", "Most bytes of recent events kept in memory per partition; the oldest make room first."),
    REPLAY_MAX_RECORDS("100000", "Most records one resume may read back per partition (beyond: recovered false, replay_limit)."),
    REPLAY_TIMEOUT("30s", "Longest one resume may read from Kafka (beyond: recovered false, replay_timeout)."),
    REPLAY_CONCURRENCY("2", "Resumes reading from Kafka at the same time; more wait their turn."),
    REPLAY_MAX_QUEUED_PER_SESSION("32", "Kafka reads (one per partition) one resuming session may have waiting or "
            + "running; beyond, those partitions are not replayed (recovered false, replay_busy)."),
    REPLAY_MAX_QUEUED_PER_LOB("128", "Kafka reads all resuming sessions of one LOB may have waiting or running on "
            + "this node; beyond, replay_busy. LOBs take turns, so one LOB's backlog never delays another's."),
    DEAD_LETTER_TOPIC(null, "Topic that gets a copy of every record that cannot be relayed, with headers saying "
            + "where it came from and why; none disables. Default: <topic>.dlq (created if missing)."),
    RECEIPTS_TOPIC(null, "Topic that gets a receipt (delivered, undelivered, expired, dropped, acknowledged) for "
            + "notifications, for the Notify API to fall back on; none disables. Default: <topic>.receipts (created if "
            + "missing)."),
    RECEIPTS_MAX_QUEUED("10000", "Receipts one node may hold waiting for Kafka; beyond, new ones are dropped and "
            + "counted (relay_receipts_lost_total{reason=\"overflow\"}), never waited for."),
    PRESENCE_TOPIC(null, "Compacted topic on which the nodes share their session counts (for GET /v1/presence and "
            + "undelivered receipts); none disables both. Default: <topic>.presence (created if missing)."),
    PRESENCE_INTERVAL("2s", "How often a node publishes its session counts; a node silent for three intervals is "
            + "no longer counted. 500ms to 1m."),
    PRESENCE_MAX_CONTACTS("20000", "Most contact entries one node publishes (its LOB totals stay exact); beyond, "
            + "its record says truncated and other nodes assume an unlisted contact of its LOBs may be online."),
    VALIDATION("lenient", "lenient: relay any JSON object with a known payloadType and an object payload; strict: "
            + "also require it to match schemas/notification.schema.json (the rest is dead-lettered)."),
    MAX_SESSIONS("100000", "Sessions one node accepts; beyond, the WebSocket handshake gets 503."),
    MAX_SESSIONS_PER_LOB("20000", "Authenticated sessions of one LOB on one node; beyond, close 1013."),
    MAX_FRAMES_PER_SECOND("50", "Client frames one session may send per second; beyond, close 1008."),
    SOCKETIO_MAX_PACKETS_PER_SECOND("50", "Engine.IO packets one socket.io session may send per second, before and "
            + "after its CONNECT; beyond, the session is closed (1008 on a WebSocket)."),
    SOCKETIO_MAX_UNAUTHENTICATED("1000", "socket.io sessions on one node that have not completed a CONNECT with a "
            + "valid token (each has AUTH_TIMEOUT to do so); beyond, new handshakes get 503."),
    ALLOWED_ORIGINS(null, "Comma-separated browser origins allowed to open a WebSocket (e.g. https://app.example.com) "
            + "and to read /v1/routes and /v1/presence (CORS, preflight included); empty allows any. Requests without "
            + "an Origin header (non-browser clients) are allowed."),
    LOG_FORMAT("text", "Log format on stdout: text or json (one JSON object per line, for log shippers)."),
    LOG_LEVEL("INFO", "Root log level: ERROR, WARN, INFO, DEBUG."),
    SHUTDOWN_TIMEOUT("10s", "Time a stopping node gives its consumer and sessions to finish."),
    KAFKA_PROPERTY(null, "Any Kafka consumer property, passed through: RELAY_KAFKA_PROPERTY_SECURITY_PROTOCOL=SSL "
            + "or --kafka-property security.protocol=SSL (repeatable).");

    private final String defaultValue;
    private final String description;

    ConfigOption(String defaultValue, String description) {
        this.defaultValue = defaultValue;
        this.description = description;
    }

    /** The environment variable, e.g. {@code RELAY_HTTP_PORT}. */
    public String envName() {
        return "RELAY_" + name();
    }

    /** The command-line flag, e.g. {@code --http-port}. */
    public String flag() {
        return "--" + name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** The reference table printed by {@code --help}. */
    public static String reference() {
        StringBuilder out = new StringBuilder();
        for (ConfigOption option : values()) {
            out.append(String.format("  %-34s %-30s %s%n", option.envName(), option.flag(),
                    option.description() + (option.defaultValue == null ? "" : " Default: " + option.defaultValue + ".")));
        }
        return out.toString();
    }

    /** The README's configuration reference, generated so it cannot drift from the code. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder("| Environment variable | Flag | Default | Meaning |\n|---|---|---|---|\n");
        for (ConfigOption option : values()) {
            out.append("| `").append(option.envName()).append("` | `").append(option.flag()).append("` | ")
                    .append(option.defaultValue == null ? "" : "`" + option.defaultValue + "`").append(" | ")
                    .append(option.description().replace("|", "\\|")).append(" |\n");
        }
        return out.toString();
    }

    static List<ConfigOption> all() {
        return List.of(values());
    }
}
