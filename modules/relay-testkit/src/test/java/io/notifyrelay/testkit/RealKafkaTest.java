package io.notifyrelay.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.GroupType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@RealKafka
class RealKafkaTest {

    private static KafkaBackend fromBeforeAll;
    private final KafkaBackend kafka;
    private KafkaBackend fromBeforeEach;

    RealKafkaTest(KafkaBackend kafka) {
        this.kafka = kafka;
    }

    @BeforeAll
    static void beforeAll(KafkaBackend kafka) {
        fromBeforeAll = kafka;
    }

    @BeforeEach
    void beforeEach(KafkaBackend kafka) {
        fromBeforeEach = kafka;
    }

    @Test
    void oneBackendIsSharedByEveryInjectionPoint(KafkaBackend fromMethod) {
        assertSame(kafka, fromMethod);
        assertSame(kafka, fromBeforeAll);
        assertSame(kafka, fromBeforeEach);
        assertSame(kafka.admin(), fromMethod.admin(), "one shared Admin client");
    }

    @Test
    void describesItselfWithNameVersionAndAddress() {
        String description = kafka.description();
        assertTrue(description.startsWith(kafka.name() + " "), description);
        assertTrue(description.endsWith(" at " + kafka.bootstrapServers()), description);
        if (kafka instanceof EmbeddedKraftKafka) {
            assertTrue(description.matches("embedded-kraft \\(KRaft 4\\.1\\.1 in-process\\) at localhost:\\d+"),
                    description);
        }
        assertEquals(kafka.bootstrapServers(), kafka.clientProperties().get("bootstrap.servers"));
    }

    @Test
    void createTopicWaitsForLeadersAndIsIdempotent() throws Exception {
        String topic = "create-" + UUID.randomUUID();
        kafka.createTopic(topic, 3);
        kafka.createTopic(topic, 3);

        var partitions = kafka.admin().describeTopics(Set.of(topic)).allTopicNames().get().get(topic).partitions();
        assertEquals(3, partitions.size());
        partitions.forEach(p -> assertFalse(p.leader() == null || p.leader().isEmpty(), "leader of " + p));

        IllegalStateException mismatch = assertThrows(IllegalStateException.class, () -> kafka.createTopic(topic, 5));
        assertTrue(mismatch.getMessage().contains("already exists with 3 partitions"), mismatch.getMessage());
    }

    @Test
    void deleteTopicRemovesItAndToleratesAbsentTopics() throws Exception {
        String topic = "delete-" + UUID.randomUUID();
        kafka.createTopic(topic, 1);
        kafka.deleteTopic(topic);
        assertFalse(kafka.admin().listTopics().names().get().contains(topic));
        kafka.deleteTopic(topic);
    }

    /** Both group protocols must work: the relay may run either (KIP-848 is the 4.x default candidate). */
    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void produceConsumeRoundTrip(String groupProtocol) throws Exception {
        String topic = "roundtrip-" + groupProtocol + "-" + UUID.randomUUID();
        kafka.createTopic(topic, 3);
        List<String> values = IntStream.range(0, 20).mapToObj(i -> "{\"n\":" + i + "}").toList();

        KafkaRoundTrip.produce(kafka, topic, values);
        String groupId = "group-" + UUID.randomUUID();
        List<ConsumerRecord<String, String>> received = KafkaRoundTrip.consume(kafka, topic, groupId, groupProtocol, 20);

        assertEquals(Set.copyOf(values), Set.copyOf(received.stream().map(ConsumerRecord::value).toList()));
        assertEquals(3, received.stream().map(ConsumerRecord::partition).distinct().count(),
                "records spread over all partitions");
        // the broker must really have run the requested protocol, not silently fallen back
        ConsumerGroupDescription group = kafka.admin().describeConsumerGroups(List.of(groupId))
                .describedGroups().get(groupId).get();
        assertEquals(groupProtocol.equals("consumer") ? GroupType.CONSUMER : GroupType.CLASSIC, group.type());
    }
}
