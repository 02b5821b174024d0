package io.notifyrelay.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How the relay consumes the notification topic.
 *
 * @param groupInstanceId static membership id ({@code group.instance.id}), or null for dynamic membership
 * @param clientProperties any other Kafka consumer properties, passed through unchanged (security, timeouts …)
 * @param mode             consumer group (each node its share) or broadcast (each node everything)
 * @param clientId         the consumer's {@code client.id}; in group mode it carries the node's advertised
 *                         URL so every node can learn the owner of each partition from the group
 * @param metadataRefresh  how often the relay looks for a changed partition count (and the consumer's
 *                         {@code metadata.max.age.ms}), so added partitions are read within seconds
 */
public record ConsumerSettings(String bootstrapServers, String topic, String groupId, GroupProtocol groupProtocol,
                               String groupInstanceId, Duration pollTimeout, Map<String, String> clientProperties,
                               RelayMode mode, String clientId, Duration metadataRefresh) {

    /** The relay's default for {@link #metadataRefresh}. */
    public static final Duration DEFAULT_METADATA_REFRESH = Duration.ofSeconds(5);

    public ConsumerSettings(String bootstrapServers, String topic, String groupId, GroupProtocol groupProtocol,
                            String groupInstanceId, Duration pollTimeout, Map<String, String> clientProperties,
                            RelayMode mode, String clientId) {
        this(bootstrapServers, topic, groupId, groupProtocol, groupInstanceId, pollTimeout, clientProperties, mode,
                clientId, DEFAULT_METADATA_REFRESH);
    }

    /** Group mode with the default client id. */
    public ConsumerSettings(String bootstrapServers, String topic, String groupId, GroupProtocol groupProtocol,
                            String groupInstanceId, Duration pollTimeout, Map<String, String> clientProperties) {
        this(bootstrapServers, topic, groupId, groupProtocol, groupInstanceId, pollTimeout, clientProperties,
                RelayMode.GROUP, "notify-relay");
    }

    public ConsumerSettings {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(groupProtocol, "groupProtocol");
        Objects.requireNonNull(pollTimeout, "pollTimeout");
        Objects.requireNonNull(metadataRefresh, "metadataRefresh");
        clientProperties = Map.copyOf(clientProperties);
    }

    /**
     * A consumer outside the relay's group that reads a topic from its beginning and commits nothing (replays, the
     * presence reader): the pass-through properties, then what such a reader needs.
     */
    public Map<String, Object> standaloneReaderConfig(String clientId) {
        Map<String, Object> config = new java.util.HashMap<>(clientProperties());
        config.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(org.apache.kafka.clients.consumer.ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.remove(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return config;
    }
}
