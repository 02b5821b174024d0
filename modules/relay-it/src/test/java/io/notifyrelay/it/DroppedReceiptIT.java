package io.notifyrelay.it;

import io.notifyrelay.app.RelayNode;
import io.notifyrelay.core.receipt.ReceiptOutcome;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.publisher.receipts.DeliveryReceipt;
import io.notifyrelay.publisher.receipts.ReceiptSubscription;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session closed as too slow (4429) loses events live: each becomes a dropped receipt, so the Notify API knows
 * that front-end did not show it (yet); for /v1/ws and socket.io sessions alike. The session buffer is shortened to 64 KB (from 1 MB) so the test needs
 * hundreds of events, not thousands; RobustnessIT shows the close itself at that bound.
 */
@RealKafka
class DroppedReceiptIT {

    @Test
    void eventsASlowSessionLostBecomeDroppedReceipts(KafkaBackend kafka) {
        slowSessionLosesEvents(kafka, (relay, lob) -> {
            WsTestClient slow = WsTestClient.connectStalled(TestRelays.wsUri(relay), 2);
            slow.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
            slow.send("{\"type\":\"subscribe\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> slow.framesOfType("subscribed").size() == 1);
            return slow;
        });
    }

    @Test
    void eventsASlowSocketIoSessionLostBecomeDroppedReceiptsToo(KafkaBackend kafka) {
        slowSessionLosesEvents(kafka, (relay, lob) -> {
            URI socketIo = URI.create("ws://127.0.0.1:" + relay.httpPort() + "/socket.io/?EIO=4&transport=websocket");
            // reads the open packet, the CONNECT reply and the registration (or a ping), then stops reading
            WsTestClient slow = WsTestClient.connectStalled(socketIo, 3);
            slow.awaitFrame(f -> f.asText().startsWith("0{"));
            slow.send("40{\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
            slow.awaitFrame(f -> f.asText().startsWith("40{"));
            slow.send("42[\"REGISTER_SOCKET\",{\"lob_id\":\"" + lob + "\"}]");
            slow.awaitFrame(f -> f.asText().startsWith("42[\"REGISTER_SOCKET_RESPONSE\""));
            return slow;
        });
    }

    /** Publishes to a stalled session of {@code lob} until it is closed as too slow; its lost events are receipts. */
    private static void slowSessionLosesEvents(KafkaBackend kafka, BiFunction<RelayNode, String, WsTestClient> open) {
        String topic = TestRelays.uniqueName("dropped");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        Map<String, String> env = TestRelays.env(kafka, topic, TestRelays.uniqueName("group"));
        env.put("RELAY_SESSION_MAX_BUFFER_BYTES", "65536");
        List<DeliveryReceipt> receipts = new CopyOnWriteArrayList<>();
        String lob = TestRelays.uniqueName("lob");
        String contact = UUID.randomUUID().toString();
        String notification = "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact
                + "\",\"state\":\"accepted-invitation\",\"message\":\"" + "z".repeat(1500) + "\"}}";
        RelayNode relay = TestRelays.startReady(env);
        try (NotifyPublisher publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers())
                .topic(topic).build();
             ReceiptSubscription subscription = ReceiptSubscription.builder().bootstrapServers(kafka.bootstrapServers())
                     .topic(topic + ".receipts").groupId(TestRelays.uniqueName("notify-api"))
                     .consumerProperty("auto.offset.reset", "earliest").onReceipt(receipts::add).start();
             WsTestClient slow = open.apply(relay, lob)) {
            List<String> sent = new ArrayList<>();
            while (!slow.isClosed() && dropped(receipts).isEmpty() && sent.size() < 20_000) {
                List<CompletableFuture<PublishResult>> batch = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    batch.add(publisher.publishAsync(lob, contact, notification));
                }
                batch.forEach(f -> sent.add(f.join().eventId()));
            }
            await("a dropped receipt").atMost(Duration.ofSeconds(30)).until(() -> !dropped(receipts).isEmpty());
            String seen = slow.frames().toString();
            for (DeliveryReceipt receipt : dropped(receipts)) {
                assertTrue(sent.contains(receipt.eventId()), "dropped one of the events published");
                assertFalse(seen.contains(receipt.eventId()), "the client never got a dropped event");
                assertEquals(1, receipt.sessions());
                assertEquals(contact, receipt.contactId());
            }
        } finally {
            relay.close();
        }
    }

    private static List<DeliveryReceipt> dropped(List<DeliveryReceipt> receipts) {
        return receipts.stream().filter(r -> r.outcome() == ReceiptOutcome.DROPPED).toList();
    }

}
