package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.core.receipt.ReceiptOutcome;
import io.notifyrelay.publisher.Expiry;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.publisher.receipts.DeliveryReceipt;
import io.notifyrelay.publisher.receipts.ReceiptSubscription;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import io.notifyrelay.testkit.cluster.InProcessCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing the loop to the Notify API on two nodes with shipped defaults (receipts on, presence every 2 s): real
 * WebSocket clients, receipts read back with the publisher's own {@link ReceiptSubscription}.
 */
@RealKafka
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReceiptsIT {

    private static final Duration RECEIPT_WAIT = Duration.ofSeconds(30);

    private InProcessCluster cluster;
    private NotifyPublisher publisher;
    private ReceiptSubscription subscription;
    private final List<DeliveryReceipt> receipts = new CopyOnWriteArrayList<>();
    private final List<WsTestClient> clients = new ArrayList<>();

    @BeforeAll
    void start(KafkaBackend kafka) {
        String topic = TestRelays.uniqueName("receipts");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        cluster = TestRelays.cluster(kafka, topic, env -> { });
        cluster.startNode();
        cluster.startNode();
        cluster.awaitStableRoutes();
        publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic).build();
        subscription = ReceiptSubscription.builder().bootstrapServers(kafka.bootstrapServers())
                .topic(topic + ".receipts").groupId(TestRelays.uniqueName("notify-api"))
                .consumerProperty("auto.offset.reset", "earliest").onReceipt(receipts::add).start();
    }

    @AfterAll
    void stop() {
        clients.forEach(WsTestClient::close);
        subscription.close();
        publisher.close();
        cluster.close();
    }

    private WsTestClient subscribed(RelayNode node, String lob, String subscribe) {
        WsTestClient client = WsTestClient.connect(URI.create(node.webSocketUrl()));
        clients.add(client);
        client.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
        client.awaitFrame("welcome");
        client.send(subscribe);
        client.awaitFrame("subscribed");
        return client;
    }

    private static String contact() {
        return "contact-" + UUID.randomUUID();
    }

    private List<DeliveryReceipt> receiptsOf(String eventId, ReceiptOutcome outcome) {
        return receipts.stream().filter(r -> r.eventId().equals(eventId) && r.outcome() == outcome).toList();
    }

    /** Receipts of one contact are ordered (same key, one owner): once the marker's is in, the event's all are. */
    private void awaitReceiptOfMarker(String lob, String contactId) {
        PublishResult marker = publisher.publish(lob, contactId, Notifications.connection(contactId, "accepted-invitation"),
                Expiry.at(Instant.now().minusSeconds(1)));
        await("receipt of the marker").atMost(RECEIPT_WAIT)
                .until(() -> !receiptsOf(marker.eventId(), ReceiptOutcome.EXPIRED).isEmpty());
    }

    @Test
    void anEventTwoClientsGotYieldsDeliveredReceiptsForTwoSessions() {
        String contactId = contact();
        RelayNode owner = cluster.ownerOf(contactId);
        WsTestClient wide = subscribed(owner, "lob-two", "{\"type\":\"subscribe\"}");
        WsTestClient one = subscribed(owner, "lob-two", "{\"type\":\"subscribe\",\"contacts\":[\"" + contactId + "\"]}");

        PublishResult sent = publisher.publish("lob-two", contactId, Notifications.connection(contactId, "accepted-invitation"));

        for (WsTestClient client : List.of(wide, one)) {
            client.awaitFrame("the event", f -> f.path("id").asText().equals(sent.eventId()), RECEIPT_WAIT);
        }
        await("delivered receipts").atMost(RECEIPT_WAIT).until(() -> receiptsOf(sent.eventId(),
                ReceiptOutcome.DELIVERED).stream().mapToInt(DeliveryReceipt::sessions).sum() == 2);
        DeliveryReceipt receipt = receiptsOf(sent.eventId(), ReceiptOutcome.DELIVERED).get(0);
        assertEquals("lob-two", receipt.lobId());
        assertEquals(contactId, receipt.contactId());
        assertEquals(sent.partition(), receipt.partition());
        assertEquals(sent.offset(), receipt.offset());
        assertTrue(receiptsOf(sent.eventId(), ReceiptOutcome.UNDELIVERED).isEmpty());
    }

    @Test
    void anEventNobodySubscribedToYieldsExactlyOneUndelivered() {
        String contactId = contact();

        PublishResult sent = publisher.publish("lob-nobody", contactId, Notifications.connection(contactId, "accepted-invitation"));

        await("undelivered receipt").atMost(RECEIPT_WAIT)
                .until(() -> !receiptsOf(sent.eventId(), ReceiptOutcome.UNDELIVERED).isEmpty());
        awaitReceiptOfMarker("lob-nobody", contactId);
        assertEquals(1, receiptsOf(sent.eventId(), ReceiptOutcome.UNDELIVERED).size());
        assertTrue(receiptsOf(sent.eventId(), ReceiptOutcome.DELIVERED).isEmpty());
    }

    @Test
    void anEventPastItsExpiryReachesNobodyAndYieldsExactlyOneExpired() {
        String contactId = contact();
        WsTestClient client = subscribed(cluster.ownerOf(contactId), "lob-late", "{\"type\":\"subscribe\"}");

        PublishResult late = publisher.publish("lob-late", contactId, Notifications.connection(contactId, "accepted-invitation"),
                Expiry.at(Instant.now().minusSeconds(5)));
        PublishResult fresh = publisher.publish("lob-late", contactId, Notifications.connection(contactId, "accepted-invitation"),
                Expiry.after(Duration.ofMinutes(10)));

        client.awaitFrame("the fresh event", f -> f.path("id").asText().equals(fresh.eventId()), RECEIPT_WAIT);
        assertTrue(client.framesOfType("event").stream().noneMatch(f -> f.path("id").asText().equals(late.eventId())),
                "the expired event reached a session");
        await("expired receipt").atMost(RECEIPT_WAIT)
                .until(() -> !receiptsOf(late.eventId(), ReceiptOutcome.EXPIRED).isEmpty());
        awaitReceiptOfMarker("lob-late", contactId);
        assertEquals(1, receiptsOf(late.eventId(), ReceiptOutcome.EXPIRED).size());
        assertTrue(receiptsOf(late.eventId(), ReceiptOutcome.DELIVERED).isEmpty());
        // the delivered receipt comes from the client's node, the marker's from the group member: await, not order
        await("delivered receipt of the fresh event").atMost(RECEIPT_WAIT)
                .until(() -> receiptsOf(fresh.eventId(), ReceiptOutcome.DELIVERED).size() == 1);
    }

    @Test
    void anAckFromAWebSocketClientYieldsOneAcknowledgedReceipt() {
        String contactId = contact();
        WsTestClient client = subscribed(cluster.ownerOf(contactId), "lob-ack", "{\"type\":\"subscribe\",\"ack\":true}");
        PublishResult sent = publisher.publish("lob-ack", contactId, Notifications.connection(contactId, "accepted-invitation"));
        client.awaitFrame("the event", f -> f.path("id").asText().equals(sent.eventId()), RECEIPT_WAIT);

        client.send("{\"type\":\"ack\",\"ids\":[\"" + sent.eventId() + "\",\"never-sent\"]}");
        client.send("{\"type\":\"ack\",\"ids\":[\"" + sent.eventId() + "\"]}");

        await("acknowledged receipt").atMost(RECEIPT_WAIT)
                .until(() -> !receiptsOf(sent.eventId(), ReceiptOutcome.ACKNOWLEDGED).isEmpty());
        awaitReceiptOfMarker("lob-ack", contactId);
        DeliveryReceipt ack = receiptsOf(sent.eventId(), ReceiptOutcome.ACKNOWLEDGED).get(0);
        assertEquals(contactId, ack.contactId());
        assertEquals(sent.offset(), ack.offset());
        assertEquals(1, receiptsOf(sent.eventId(), ReceiptOutcome.ACKNOWLEDGED).size(), "a second ack of it counts not");
        assertTrue(receipts.stream().noneMatch(r -> r.eventId().equals("never-sent")));
    }

    @Test
    void presenceFromEitherNodeCountsTheSessionsOfBothAndRefusesMissingOrForeignTokens() {
        List<RelayNode> nodes = cluster.nodes();
        subscribed(nodes.get(0), "lob-here", "{\"type\":\"subscribe\"}");
        subscribed(nodes.get(1), "lob-here", "{\"type\":\"subscribe\",\"contacts\":[\"c-1\"]}");
        String lobToken = TestTokens.hs256(TestRelays.SECRET).lob("lob-here").sign();
        String serviceToken = TestTokens.hs256(TestRelays.SECRET).lob("notify-api").claim("scope", "presence:read").sign();

        for (RelayNode node : nodes) {
            await("both sessions counted by " + node.webSocketUrl()).atMost(Duration.ofSeconds(20))
                    .until(() -> presence(node, "lobId=lob-here", lobToken).path("sessions").asInt() == 2);
            JsonNode answer = presence(node, "lobId=lob-here", serviceToken);
            assertEquals(2, answer.path("nodes").size(), answer::toString);
            assertEquals(2, presence(node, "lobId=lob-here&contactId=c-1", lobToken).path("sessions").asInt());
            assertEquals(1, presence(node, "lobId=lob-here&contactId=c-2", lobToken).path("sessions").asInt());
            assertEquals(401, status(node, "lobId=lob-here", null));
            assertEquals(401, status(node, "lobId=lob-here", "not-a-jwt"));
            assertEquals(403, status(node, "lobId=lob-here", TestTokens.hs256(TestRelays.SECRET).lob("lob-other").sign()));
        }
    }

    /** With shipped defaults (no RELAY_ALLOWED_ORIGINS) a page on any origin may ask, preflight first. */
    @Test
    void aPageOnAnotherOriginMayAskForPresence() throws Exception {
        RelayNode node = cluster.nodes().get(0);
        String origin = "https://lob-front-end.example.org";
        URI presence = URI.create(node.httpUrl() + "/v1/presence?lobId=lob-cors");
        HttpResponse<String> preflight = HttpClient.newHttpClient().send(HttpRequest.newBuilder(presence)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", origin)
                .header("Access-Control-Request-Method", "GET").header("Access-Control-Request-Headers", "authorization")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, preflight.statusCode());
        assertEquals(java.util.Optional.of(origin), preflight.headers().firstValue("Access-Control-Allow-Origin"));
        assertEquals(java.util.Optional.of("Authorization"), preflight.headers().firstValue("Access-Control-Allow-Headers"));
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(presence)
                .header("Origin", origin).header("Authorization", "Bearer "
                        + TestTokens.hs256(TestRelays.SECRET).lob("lob-cors").sign()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer::body);
        assertEquals(java.util.Optional.of(origin), answer.headers().firstValue("Access-Control-Allow-Origin"));
    }

    private static HttpResponse<String> request(RelayNode node, String query, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/presence?" + query));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode presence(RelayNode node, String query, String token) {
        HttpResponse<String> response = request(node, query, token);
        assertEquals(200, response.statusCode(), response::body);
        return Notifications.tree(response.body());
    }

    private static int status(RelayNode node, String query, String token) {
        return request(node, query, token).statusCode();
    }
}
