package io.notifyrelay.client.it;

import io.notifyrelay.testkit.cluster.InProcessCluster;
import io.notifyrelay.testkit.cluster.RelayEnv;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.client.ClientError;
import io.notifyrelay.client.NotifyRelayClient;
import io.notifyrelay.client.RelayEvent;
import io.notifyrelay.core.receipt.ReceiptOutcome;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.publisher.receipts.DeliveryReceipt;
import io.notifyrelay.publisher.receipts.ReceiptSubscription;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the client tells the relay and the relay tells the client, against a real node with shipped defaults
 * (receipts on, 1 MiB per session before a 4429): acknowledgements become {@code acknowledged} receipts, and a
 * session closed as too slow is reported as {@code closed_too_slow} on the next connection.
 */
@RealKafka
class ClientFeedbackIT {

    private static final int PARTITIONS = 4;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String SECRET = "client-integration-secret-0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private InProcessCluster cluster;
    private NotifyPublisher publisher;
    private ReceiptSubscription receipts;
    private final List<DeliveryReceipt> received = new CopyOnWriteArrayList<>();
    private final List<NotifyRelayClient> clients = new ArrayList<>();

    @BeforeEach
    void start(KafkaBackend kafka) {
        String topic = RelayEnv.uniqueName("client-feedback");
        kafka.createTopic(topic, PARTITIONS);
        cluster = new InProcessCluster(kafka.bootstrapServers(), topic, SECRET, PARTITIONS, env -> { });
        publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic).build();
        receipts = ReceiptSubscription.builder().bootstrapServers(kafka.bootstrapServers())
                .topic(topic + ".receipts").groupId(RelayEnv.uniqueName("notify-api"))
                .consumerProperty("auto.offset.reset", "earliest").onReceipt(received::add).start();
    }

    @AfterEach
    void stop() {
        clients.forEach(NotifyRelayClient::close);
        receipts.close();
        publisher.close();
        cluster.close();
    }

    private NotifyRelayClient.Builder client(RelayNode node, String lob) {
        return NotifyRelayClient.builder().seeds(node.webSocketUrl())
                .tokenProvider(() -> TestTokens.hs256(SECRET).lob(lob).sign()).lobWide();
    }

    private NotifyRelayClient started(NotifyRelayClient.Builder builder) {
        NotifyRelayClient client = builder.start();
        clients.add(client);
        return client;
    }

    @Test
    void eachEventTheListenerHandledBecomesAnAcknowledgedReceipt() throws Exception {
        RelayNode node = cluster.startNode();
        String lob = RelayEnv.uniqueName("lob");
        Map<String, RelayEvent> handled = new ConcurrentHashMap<>();
        NotifyRelayClient client = started(client(node, lob).ack(true)
                .onEvent(event -> handled.put(event.id(), event)));
        assertTrue(client.awaitLive(WAIT));

        List<PublishResult> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sent.add(publisher.publish(lob, "contact-" + i, notification("contact-" + i, "n" + i)));
        }
        await("delivered").atMost(WAIT).until(() -> handled.size() == 5);
        for (PublishResult result : sent) {
            await("acknowledged receipt of " + result.eventId()).atMost(WAIT)
                    .until(() -> !receiptsOf(result.eventId(), ReceiptOutcome.ACKNOWLEDGED).isEmpty());
            DeliveryReceipt receipt = receiptsOf(result.eventId(), ReceiptOutcome.ACKNOWLEDGED).get(0);
            assertEquals(lob, receipt.lobId());
            assertEquals(result.partition(), receipt.partition());
            assertEquals(result.offset(), receipt.offset());
        }
    }

    @Test
    void aSessionClosedAsTooSlowIsReportedWhenTheClientComesBack() throws Exception {
        RelayNode node = cluster.startNode();
        String lob = RelayEnv.uniqueName("lob");
        CountDownLatch release = new CountDownLatch(1);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        List<ClientError> errors = new CopyOnWriteArrayList<>();
        // a listener stuck on the first event: with a backlog of one call the client stops reading at once
        NotifyRelayClient client = started(client(node, lob).listenerBacklog(1).onError(errors::add)
                .onEvent(event -> {
                    try {
                        release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    handled.add(event.id());
                }));
        assertTrue(client.awaitLive(WAIT));

        double closesBefore = tooSlowCloses(node);
        String big = "x".repeat(1500);
        int sent = 0;
        while (tooSlowCloses(node) == closesBefore && sent < 20_000) {
            List<CompletableFuture<PublishResult>> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(publisher.publishAsync(lob, "contact-1", notification("contact-1", big).getBytes(
                        java.nio.charset.StandardCharsets.UTF_8)));
            }
            batch.forEach(CompletableFuture::join);
            sent += batch.size();
        }
        await("the node closed the session as too slow").atMost(WAIT).until(() -> tooSlowCloses(node) > closesBefore);
        assertTrue(errors.isEmpty(), "nothing to report before the client comes back: " + errors);

        release.countDown();
        await("closed_too_slow reported").atMost(WAIT)
                .until(() -> errors.stream().anyMatch(e -> e.code().equals("closed_too_slow")));
        ClientError error = errors.stream().filter(e -> e.code().equals("closed_too_slow")).findFirst().orElseThrow();
        assertEquals(node.webSocketUrl(), error.node());
        assertFalse(error.fatal());
        assertTrue(error.message().contains("4429"), error.message());
        assertTrue(client.stats().tooSlowCloses() >= 1, "counted even when the client saw only 1006");
        // and it carries on: resumed from its cursors, then live again
        PublishResult marker = publisher.publish(lob, "contact-2", notification("contact-2", "marker"));
        await("a later event arrives").atMost(WAIT).until(() -> handled.contains(marker.eventId()));
    }

    private List<DeliveryReceipt> receiptsOf(String eventId, ReceiptOutcome outcome) {
        return received.stream().filter(r -> r.eventId().equals(eventId) && r.outcome() == outcome).toList();
    }

    private static String notification(String contact, String message) {
        return "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact
                + "\",\"state\":\"accepted-invitation\",\"message\":\"" + message + "\"}}";
    }

    private static double tooSlowCloses(RelayNode node) throws IOException, InterruptedException {
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("relay_sessions_closed_total{code=\"4429\"}")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
