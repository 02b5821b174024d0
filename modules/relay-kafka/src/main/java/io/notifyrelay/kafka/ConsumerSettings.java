package io.notifyrelay.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How the relay consumes the notification topic.
 *
 * @param groupInstanceId static membership id ({@code group.instance.id}), or null for dynamic membership
 * @param clientProperties any other Kafka consumer properties, passed through unchanged (security, timeouts …)
 */
public record ConsumerSettings(String bootstrapServers, String topic, String groupId, GroupProtocol groupProtocol,
                               String groupInstanceId, Duration pollTimeout, Map<String, String> clientProperties) {
    public ConsumerSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(groupProtocol, "groupProtocol");
        Objects.requireNonNull(pollTimeout, "pollTimeout");
        clientProperties = Map.copyOf(clientProperties);
    }
}
