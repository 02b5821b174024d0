package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import io.notifyrelay.testkit.cluster.InProcessCluster;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Owner mode: partitions spread over the nodes, routes agree, clients are moved to the owner. */
@RealKafka
class ScaleOutIT {

    private KafkaBackend kafka;
    private InProcessCluster cluster;
    private NotifyPublisher publisher;

    @BeforeEach
    void start(KafkaBackend kafka) {
        this.kafka = kafka;
        String topic = TestRelays.uniqueName("scale");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        cluster = TestRelays.cluster(kafka, topic, env -> { });
        publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic).build();
    }

    @AfterEach
    void stop() {
        publisher.close();
        cluster.close();
    }

    static WsTestClient authenticated(String url, String lob) {
        WsTestClient client = WsTestClient.connect(URI.create(url));
        client.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
        client.awaitFrame("welcome");
        return client;
    }

    @Test
    void threeNodesShareThePartitionsAndAgreeOnTheRoutes() {
        cluster.startNode();
        cluster.startNode();
        cluster.startNode();
        cluster.awaitStableRoutes();
        for (RelayNode node : cluster.nodes()) {
            assertTrue(InProcessCluster.partitionsOf(node).size() >= 3, "each node has a fair share");
            JsonNode one = Notifications.tree(TestRelays.get(node, "/v1/routes?contactId=contact-42").body());
            assertEquals("murmur2", one.path("partitioner").asText());
            assertEquals("owner", one.path("mode").asText());
            assertEquals(cluster.ownerOf("contact-42").webSocketUrl(), one.path("owner").asText());
        }
    }

    /** The KIP-848 protocol assigns on the broker; routes come from the same group description. */
    @Test
    void theConsumerGroupProtocolSpreadsPartitionsAndRoutesAgreeToo() {
        cluster.close();
        String topic = TestRelays.uniqueName("kip848");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        cluster = TestRelays.cluster(kafka, topic, env -> env.put("RELAY_GROUP_PROTOCOL", "consumer"));
        cluster.startNode();
        cluster.startNode();
        cluster.awaitStableRoutes();
        RelayNode third = cluster.startNode();
        cluster.awaitStableRoutes();
        String contact = contactOwnedBy(third);
        try (WsTestClient client = authenticated(cluster.notOwnerOf(contact).webSocketUrl(), "lob")) {
            client.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
            assertEquals(third.webSocketUrl(), client.awaitFrame("moved").path("url").asText());
        }
        cluster.stop(third);
        cluster.awaitStableRoutes();
    }

    @Test
    void aContactIsServedByItsOwnerAndMovedElsewhere() {
        cluster.startNode();
        cluster.startNode();
        cluster.startNode();
        cluster.awaitStableRoutes();
        String lob = TestRelays.uniqueName("lob");
        String contact = UUID.randomUUID().toString();
        RelayNode owner = cluster.ownerOf(contact);
        RelayNode other = cluster.notOwnerOf(contact);
        try (WsTestClient wrong = authenticated(other.webSocketUrl(), lob);
             WsTestClient right = authenticated(owner.webSocketUrl(), lob)) {
            wrong.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
            JsonNode moved = wrong.awaitFrame("moved");
            assertEquals(owner.webSocketUrl(), moved.path("url").asText());
            assertEquals(contact, moved.path("contacts").get(0).asText());
            assertEquals(0, wrong.awaitFrame("subscribed").path("contacts").size());

            right.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
            JsonNode subscribed = right.awaitFrame("subscribed");
            assertEquals(contact, subscribed.path("contacts").get(0).asText());
            PublishResult sent = publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation"));
            JsonNode event = right.awaitFrame(f -> "event".equals(f.path("type").asText()));
            assertEquals(sent.eventId(), event.path("id").asText());
            assertEquals(sent.partition(), subscribed.path("partitions").get(0).asInt());
            assertTrue(wrong.framesOfType("event").isEmpty());
        }
    }

    @Test
    void aLobWideSubscriptionIsServedForTheNodesOwnPartitions() {
        RelayNode first = cluster.startNode();
        cluster.startNode();
        cluster.awaitStableRoutes();
        String lob = TestRelays.uniqueName("lob");
        try (WsTestClient client = authenticated(first.webSocketUrl(), lob)) {
            client.send("{\"type\":\"subscribe\"}");
            JsonNode subscribed = client.awaitFrame("subscribed");
            Set<Integer> partitions = new HashSet<>();
            subscribed.path("partitions").forEach(p -> partitions.add(p.asInt()));
            assertEquals(InProcessCluster.partitionsOf(first), partitions);
            assertNotEquals(TestRelays.PARTITIONS, partitions.size());
        }
    }

    @Test
    void routesFollowANodeJoiningAndLeavingAndMovedClientsKeepReceiving() {
        cluster.startNode();
        cluster.startNode();
        cluster.awaitStableRoutes();
        RelayNode joined = cluster.startNode();
        cluster.awaitStableRoutes();

        // a client of a contact the newest node owns, connected there
        String lob = TestRelays.uniqueName("lob");
        String contact = contactOwnedBy(joined);
        try (WsTestClient client = authenticated(joined.webSocketUrl(), lob)) {
            client.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
            client.awaitFrame("subscribed");
            PublishResult before = publisher.publish(lob, contact, Notifications.connection(contact, "received-invitation"));
            client.awaitFrame(f -> before.eventId().equals(f.path("id").asText()));

            Thread stopper = new Thread(() -> cluster.stop(joined));
            stopper.start();
            JsonNode moved = client.awaitFrame("moved", f -> "moved".equals(f.path("type").asText()), Duration.ofSeconds(30));
            String newOwnerUrl = moved.path("url").asText();
            assertTrue(cluster.nodes().stream().anyMatch(n -> n.webSocketUrl().equals(newOwnerUrl)),
                    "moved to a running node: " + moved);
            assertEquals(List.of(contact), List.of(moved.path("contacts").get(0).asText()));
            await().atMost(Duration.ofSeconds(30)).until(() -> !stopper.isAlive());
            cluster.awaitStableRoutes();

            try (WsTestClient followed = authenticated(newOwnerUrl, lob)) {
                followed.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
                assertEquals(contact, followed.awaitFrame("subscribed").path("contacts").get(0).asText());
                PublishResult after = publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation"));
                followed.awaitFrame(f -> after.eventId().equals(f.path("id").asText()));
            }
        }
    }

    private static String contactOwnedBy(RelayNode node) {
        Set<Integer> owned = InProcessCluster.partitionsOf(node);
        io.notifyrelay.core.routing.Murmur2Partitioner partitioner = new io.notifyrelay.core.routing.Murmur2Partitioner();
        while (true) {
            String candidate = UUID.randomUUID().toString();
            if (owned.contains(partitioner.partitionOf(candidate, TestRelays.PARTITIONS))) {
                return candidate;
            }
        }
    }
}
