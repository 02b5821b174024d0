package io.notifyrelay.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** {@link RelayConsumer#consumerConfig}: what the relay needs always wins over pass-through properties. */
class ConsumerConfigTest {

    private static ConsumerSettings settings(GroupProtocol protocol, String instanceId, Map<String, String> props) {
        return new ConsumerSettings("b1:9092,b2:9093", "notify.events", "relay-group", protocol, instanceId,
                Duration.ofMillis(500), props);
    }

    @Test
    void relaySettingsAndDefaults() {
        Map<String, Object> config = RelayConsumer.consumerConfig(settings(GroupProtocol.CLASSIC, null, Map.of()));

        assertEquals("b1:9092,b2:9093", config.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals("relay-group", config.get(ConsumerConfig.GROUP_ID_CONFIG));
        assertEquals("classic", config.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG));
        assertEquals(true, config.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
        assertEquals("latest", config.get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG));
        assertEquals("notify-relay", config.get(ConsumerConfig.CLIENT_ID_CONFIG));
        assertFalse(config.containsKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
    }

    /** Fail over in seconds, not Kafka's 45 s, and move only what changes owner; users may still override. */
    @Test
    void classicGroupFailsOverFastAndRebalancesCooperatively() {
        Map<String, Object> config = RelayConsumer.consumerConfig(settings(GroupProtocol.CLASSIC, null, Map.of()));
        assertEquals("org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
                config.get(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG));
        assertEquals(6000, config.get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));
        assertEquals(2000, config.get(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG));
        assertEquals(5000, config.get("metadata.max.age.ms"));

        Map<String, Object> overridden = RelayConsumer.consumerConfig(settings(GroupProtocol.CLASSIC, null,
                Map.of("session.timeout.ms", "20000")));
        assertEquals("20000", overridden.get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));

        // the consumer protocol refuses client-side assignors and timeouts: the broker has them
        Map<String, Object> kip848 = RelayConsumer.consumerConfig(settings(GroupProtocol.CONSUMER, null, Map.of()));
        assertFalse(kip848.containsKey(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG));
        assertFalse(kip848.containsKey(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));
        assertFalse(kip848.containsKey(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG));
    }

    @Test
    void consumerProtocolAndStaticMembership() {
        Map<String, Object> config = RelayConsumer.consumerConfig(settings(GroupProtocol.CONSUMER, "relay-node-3",
                Map.of()));
        assertEquals("consumer", config.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG));
        assertEquals("relay-node-3", config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
    }

    @Test
    void passThroughPropertiesArePassedAndMayChangeDefaults() {
        Map<String, Object> config = RelayConsumer.consumerConfig(settings(GroupProtocol.CLASSIC, null, Map.of(
                "security.protocol", "SSL",
                "ssl.truststore.location", "/etc/kafka/truststore.jks",
                "auto.offset.reset", "earliest")));
        assertEquals("SSL", config.get("security.protocol"));
        assertEquals("/etc/kafka/truststore.jks", config.get("ssl.truststore.location"));
        assertEquals("earliest", config.get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG));
    }

    /** In group mode the client id advertises the node's URL to the other nodes, so it is the relay's to set. */
    @Test
    void clientIdComesFromTheSettings() {
        ConsumerSettings settings = new ConsumerSettings("b1:9092", "notify.events", "relay-group",
                GroupProtocol.CLASSIC, null, Duration.ofMillis(500), Map.of("client.id", "hand-written"),
                RelayMode.GROUP, GroupRouteTracker.clientIdFor("ws://relay-1:8080/v1/ws"));
        assertEquals("notify-relay@ws://relay-1:8080/v1/ws",
                RelayConsumer.consumerConfig(settings).get(ConsumerConfig.CLIENT_ID_CONFIG));
    }

    @Test
    void broadcastModeHasNoGroupAndCommitsNothing() {
        ConsumerSettings settings = new ConsumerSettings("b1:9092", "notify.events", "relay-group",
                GroupProtocol.CLASSIC, null, Duration.ofMillis(500), Map.of("group.id", "sneaky",
                "security.protocol", "SSL"), RelayMode.BROADCAST, "notify-relay");
        Map<String, Object> config = RelayConsumer.consumerConfig(settings);
        assertFalse(config.containsKey(ConsumerConfig.GROUP_ID_CONFIG));
        assertEquals(false, config.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
        assertEquals("latest", config.get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG));
        assertEquals("b1:9092", config.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals("SSL", config.get("security.protocol"));
    }

    @Test
    void passThroughPropertiesCannotOverrideWhatTheRelayNeeds() {
        Map<String, Object> config = RelayConsumer.consumerConfig(settings(GroupProtocol.CONSUMER, "node-a", Map.of(
                "bootstrap.servers", "evil:9092",
                "group.id", "someone-elses-group",
                "group.protocol", "classic",
                "group.instance.id", "node-b",
                "enable.auto.commit", "false",
                "client.id", "hand-written")));
        assertEquals("b1:9092,b2:9093", config.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals("relay-group", config.get(ConsumerConfig.GROUP_ID_CONFIG));
        assertEquals("consumer", config.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG));
        assertEquals("node-a", config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
        assertEquals(true, config.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
        assertEquals("notify-relay", config.get(ConsumerConfig.CLIENT_ID_CONFIG));
    }

    /** The map must be a configuration the real client accepts, for both group protocols. */
    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void kafkaClientAcceptsTheConfig(GroupProtocol protocol) {
        Map<String, Object> config = new HashMap<>(RelayConsumer.consumerConfig(settings(protocol, "node-1",
                Map.of("security.protocol", "PLAINTEXT"))));
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        ConsumerConfig parsed = new ConsumerConfig(config);
        assertEquals(protocol.configValue(), parsed.getString(ConsumerConfig.GROUP_PROTOCOL_CONFIG));
        assertEquals(true, parsed.getBoolean(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
    }

    @Test
    void kafkaClientAcceptsTheBroadcastConfig() {
        Map<String, Object> config = new HashMap<>(RelayConsumer.consumerConfig(new ConsumerSettings("b1:9092",
                "notify.events", "relay-group", GroupProtocol.CLASSIC, null, Duration.ofMillis(500), Map.of(),
                RelayMode.BROADCAST, "notify-relay")));
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        ConsumerConfig parsed = new ConsumerConfig(config);
        assertEquals(false, parsed.getBoolean(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
    }
}
