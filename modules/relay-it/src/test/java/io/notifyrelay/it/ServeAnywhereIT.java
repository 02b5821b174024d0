package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.WsTestClient;
import io.notifyrelay.testkit.cluster.InProcessCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default mode (anywhere): every node reads every partition and serves any subscription; the group member
 * beside it owns a share. RELAY_MODE=broadcast, its old name, is the same mode.
 */
@RealKafka
class ServeAnywhereIT {

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = "broadcast")
    void everyNodeDeliversEveryContact(String mode, KafkaBackend kafka) {
        String topic = TestRelays.uniqueName("anywhere");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        try (InProcessCluster cluster = TestRelays.cluster(kafka, topic, env -> {
                if (mode == null) {
                    env.remove("RELAY_MODE"); // the shipped default
                } else {
                    env.put("RELAY_MODE", mode);
                }
            });
             NotifyPublisher publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers())
                     .topic(topic).build()) {
            RelayNode first = cluster.startNode();
            RelayNode second = cluster.startNode();
            assertEquals(TestRelays.PARTITIONS, InProcessCluster.partitionsOf(first).size());
            assertEquals(TestRelays.PARTITIONS, InProcessCluster.partitionsOf(second).size());
            JsonNode routes = Notifications.tree(TestRelays.get(first, "/v1/routes").body());
            assertEquals("anywhere", routes.path("mode").asText());
            routes.path("partitions").forEach(p -> assertEquals("any", p.path("owner").asText()));

            String lob = TestRelays.uniqueName("lob");
            String contact = UUID.randomUUID().toString();
            try (WsTestClient onFirst = ScaleOutIT.authenticated(first.webSocketUrl(), lob);
                 WsTestClient onSecond = ScaleOutIT.authenticated(second.webSocketUrl(), lob)) {
                for (WsTestClient client : List.of(onFirst, onSecond)) {
                    client.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
                    assertEquals(contact, client.awaitFrame("subscribed").path("contacts").get(0).asText());
                }
                PublishResult sent = publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation"));
                for (WsTestClient client : List.of(onFirst, onSecond)) {
                    client.awaitFrame(f -> sent.eventId().equals(f.path("id").asText()));
                    assertTrue(client.framesOfType("moved").isEmpty());
                }

                // the group members caught up and handed their shares' duties to their nodes' delivery readers
                awaitAllHandedOver(List.of(first, second));
                // a bad record is still skipped once for the cluster, by the reader of the node that owns it
                long rejectedBefore = rejected(first) + rejected(second);
                try (KafkaProducer<String, String> raw = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                        new StringSerializer(), new StringSerializer())) {
                    raw.send(new ProducerRecord<>(topic, contact, "{not json")).get();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                PublishResult marker = publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation"));
                for (WsTestClient client : List.of(onFirst, onSecond)) {
                    client.awaitFrame(f -> marker.eventId().equals(f.path("id").asText()));
                }
                await("the bad record counted").atMost(Duration.ofSeconds(10))
                        .until(() -> rejected(first) + rejected(second) > rejectedBefore);
                assertEquals(rejectedBefore + 1, rejected(first) + rejected(second), "one node skipped it, once");
            }
        }
    }

    /**
     * A rebalance moves half the partitions to a new node while the first node's reader does their duties: the
     * first node takes them back and commits where the duties stopped, so the new node neither repeats what was
     * done before (each bad record is skipped once) nor leaves a gap (each bad record after it is skipped too).
     */
    @Test
    void aRebalanceHandsTheDutiesOnWithoutGapOrRepeat(KafkaBackend kafka) throws Exception {
        String topic = TestRelays.uniqueName("handover");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        try (InProcessCluster cluster = TestRelays.cluster(kafka, topic, env -> env.remove("RELAY_MODE"));
             KafkaProducer<String, String> raw = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                     new StringSerializer(), new StringSerializer())) {
            RelayNode first = cluster.startNode();
            awaitAllHandedOver(List.of(first));
            for (int partition = 0; partition < TestRelays.PARTITIONS; partition++) {
                raw.send(new ProducerRecord<>(topic, partition, "contact", "{not json")).get();
            }
            await("bad records skipped by the first node").atMost(Duration.ofSeconds(20))
                    .until(() -> rejected(first) == TestRelays.PARTITIONS);

            RelayNode second = cluster.startNode();
            awaitAllHandedOver(List.of(first, second));
            for (int partition = 0; partition < TestRelays.PARTITIONS; partition++) {
                raw.send(new ProducerRecord<>(topic, partition, "contact", "{not json either")).get();
            }
            await("the later bad records skipped").atMost(Duration.ofSeconds(20))
                    .until(() -> rejected(first) + rejected(second) >= 2L * TestRelays.PARTITIONS);
            String marker = "{\"payloadType\":\"NOPE\",\"payload\":{}}"; // one more, after, on every partition
            for (int partition = 0; partition < TestRelays.PARTITIONS; partition++) {
                raw.send(new ProducerRecord<>(topic, partition, "contact", marker)).get();
            }
            await("the markers skipped").atMost(Duration.ofSeconds(20))
                    .until(() -> rejected(first) + rejected(second) >= 3L * TestRelays.PARTITIONS);
            assertEquals(3L * TestRelays.PARTITIONS, rejected(first) + rejected(second),
                    "every bad record skipped exactly once: none repeated by the new owner, none left out");
            assertTrue(rejected(second) > 0, "the second node does the duties of its share");
        }
    }

    /** Until the nodes' group members own every partition and have handed each one to their node's reader. */
    private static void awaitAllHandedOver(List<RelayNode> nodes) {
        await("every partition's duties handed over").atMost(Duration.ofSeconds(30)).until(() -> {
            Set<Integer> handedOver = new TreeSet<>();
            for (RelayNode node : nodes) {
                JsonNode ready = Notifications.tree(TestRelays.get(node, "/health/ready").body());
                if (!ready.path("groupPartitionsHandedOver").equals(ready.path("groupPartitions"))) {
                    return false;
                }
                for (JsonNode partition : ready.path("groupPartitionsHandedOver")) {
                    if (!handedOver.add(partition.asInt())) {
                        return false; // two owners: the rebalance is not over
                    }
                }
            }
            return handedOver.size() == TestRelays.PARTITIONS
                    && nodes.stream().allMatch(node -> Notifications.tree(TestRelays.get(node, "/health/ready").body())
                            .path("groupPartitions").size() > 0);
        });
    }

    private static long rejected(RelayNode node) {
        return Notifications.tree(TestRelays.get(node, "/health/ready").body()).path("recordsRejected").asLong();
    }
}
