package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.WsTestClient;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RELAY_MODE=broadcast: every node reads every partition and serves any subscription. */
@RealKafka
class BroadcastIT {

    @Test
    void everyNodeDeliversEveryContact(KafkaBackend kafka) {
        String topic = TestRelays.uniqueName("broadcast");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        try (RelayCluster cluster = new RelayCluster(kafka, topic, env -> env.put("RELAY_MODE", "broadcast"));
             NotifyPublisher publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers())
                     .topic(topic).build()) {
            RelayNode first = cluster.startNode();
            RelayNode second = cluster.startNode();
            assertEquals(TestRelays.PARTITIONS, RelayCluster.partitionsOf(first).size());
            assertEquals(TestRelays.PARTITIONS, RelayCluster.partitionsOf(second).size());
            JsonNode routes = Notifications.tree(TestRelays.get(first, "/v1/routes").body());
            assertEquals("broadcast", routes.path("mode").asText());
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
            }
        }
    }
}
