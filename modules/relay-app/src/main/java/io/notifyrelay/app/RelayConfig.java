package io.notifyrelay.app;

import java.time.Duration;
import java.util.Map;

/** A relay node's whole configuration, one typed record per concern, validated by {@link ConfigLoader}. */
public record RelayConfig(Kafka kafka, Http http, Auth auth, Sessions sessions, Replay replay, Records records,
                          Limits limits, Logging logging, String nodeId, Duration shutdownTimeout) {

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
    public record Replay(int windowPerPartition, long maxRecords, Duration timeout, int concurrency) {
    }

    /** @param mode "group" or "broadcast"; @param partitioner a name {@code ContactPartitioners} knows */
    public record Kafka(String bootstrapServers, String topic, String groupId, String groupProtocol,
                        String groupInstanceId, int maxRecordBytes, Map<String, String> properties,
                        String mode, String partitioner) {
        public Kafka {
            properties = Map.copyOf(properties);
        }
    }

    /** @param advertisedUrl the URL other nodes send clients to; null means derive it from host and port */
    public record Http(String host, int port, String advertisedUrl) {
    }

    /** @param jwtSecret HS256 secret bytes or null; @param jwtPublicKeyPem RS256 PEM or null */
    public record Auth(byte[] jwtSecret, String jwtPublicKeyPem, Duration clockSkew, Duration authTimeout) {
    }

    public record Sessions(Duration heartbeatInterval, long maxBufferBytes, int maxFrameBytes,
                           int maxContactsPerSession) {
    }
}
