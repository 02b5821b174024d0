package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.core.Cursor;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import io.notifyrelay.testkit.cluster.InProcessCluster;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * 1,000 sessions of 50 LOBs over three nodes, random subscriptions, random events, contacts shared
 * between LOBs (both parties of an interaction): every session gets exactly what it owns, and not one
 * event reaches a session that does not own it.
 */
@RealKafka
class IsolationIT {

    private static final int SESSIONS = 1000;
    private static final int LOBS = 50;
    private static final int CONTACTS = 300;
    private static final int EVENTS = 3000;

    /** One session: what it subscribed to on which node, and what it therefore must get. */
    private record Session(WsTestClient client, String lob, boolean lobWide, Set<String> contacts, Set<Integer> partitions) {
        boolean owns(String eventLob, String contact, int partition) {
            return lob.equals(eventLob) && (lobWide ? partitions.contains(partition) : contacts.contains(contact));
        }
    }

    @Test
    void noEventReachesASessionThatDoesNotOwnIt(KafkaBackend kafka) {
        long seed = Long.getLong("isolation.seed", System.nanoTime());
        System.out.println("IsolationIT seed " + seed + " (rerun with -Disolation.seed=" + seed + ")");
        Random random = new Random(seed);
        String topic = TestRelays.uniqueName("isolation");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        List<String> lobs = new ArrayList<>();
        for (int i = 0; i < LOBS; i++) {
            lobs.add(TestRelays.uniqueName("lob" + i));
        }
        List<String> contacts = new ArrayList<>();
        for (int i = 0; i < CONTACTS; i++) {
            contacts.add(UUID.randomUUID().toString());
        }
        Map<String, String> tokens = new HashMap<>();
        lobs.forEach(lob -> tokens.put(lob, TestTokens.hs256(TestRelays.SECRET).lob(lob).sign()));
        List<Session> sessions = new ArrayList<>();
        try (InProcessCluster cluster = TestRelays.cluster(kafka, topic, env -> { });
             NotifyPublisher publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers())
                     .topic(topic).build()) {
            cluster.startNode();
            cluster.startNode();
            cluster.startNode();
            cluster.awaitStableRoutes();
            List<RelayNode> nodes = cluster.nodes();
            try {
                // open and subscribe all sessions first, then collect the answers: no round trip each
                List<Object[]> opened = new ArrayList<>();
                for (int i = 0; i < SESSIONS; i++) {
                    String lob = lobs.get(random.nextInt(LOBS));
                    boolean lobWide = random.nextInt(10) < 3;
                    List<String> wanted = new ArrayList<>();
                    for (int c = 1 + random.nextInt(3); c > 0; c--) {
                        wanted.add(contacts.get(random.nextInt(CONTACTS)));
                    }
                    RelayNode node = lobWide ? nodes.get(random.nextInt(nodes.size())) : cluster.ownerOf(wanted.get(0));
                    WsTestClient client = WsTestClient.connect(URI.create(node.webSocketUrl()));
                    client.send("{\"type\":\"auth\",\"token\":\"" + tokens.get(lob) + "\"}");
                    client.send(lobWide ? "{\"type\":\"subscribe\"}"
                            : "{\"type\":\"subscribe\",\"contacts\":" + Notifications.JSON.valueToTree(wanted) + "}");
                    opened.add(new Object[] {client, lob, lobWide});
                }
                for (Object[] open : opened) {
                    WsTestClient client = (WsTestClient) open[0];
                    JsonNode subscribed = client.awaitFrame("subscribed");
                    Set<String> servedHere = new HashSet<>();
                    subscribed.path("contacts").forEach(c -> servedHere.add(c.asText()));
                    Set<Integer> partitions = new HashSet<>();
                    subscribed.path("partitions").forEach(p -> partitions.add(p.asInt()));
                    sessions.add(new Session(client, (String) open[1], (Boolean) open[2], servedHere, partitions));
                }

                List<CompletableFuture<PublishResult>> futures = new ArrayList<>();
                Map<CompletableFuture<PublishResult>, String[]> addressed = new HashMap<>();
                for (int i = 0; i < EVENTS; i++) {
                    String lob = lobs.get(random.nextInt(LOBS));
                    String contact = contacts.get(random.nextInt(CONTACTS));
                    CompletableFuture<PublishResult> future = publisher.publishAsync(lob, contact,
                            Notifications.connection(contact, "accepted-invitation"));
                    futures.add(future);
                    addressed.put(future, new String[] {lob, contact});
                }
                Map<String, String[]> sent = new HashMap<>();
                Map<String, Integer> partitionOf = new HashMap<>();
                for (CompletableFuture<PublishResult> future : futures) {
                    PublishResult result = future.join();
                    sent.put(result.eventId(), addressed.get(future));
                    partitionOf.put(result.eventId(), result.partition());
                }

                long expectedDeliveries = 0;
                Map<Session, Set<String>> expected = new HashMap<>();
                for (Session session : sessions) {
                    Set<String> ids = new HashSet<>();
                    sent.forEach((id, to) -> {
                        if (session.owns(to[0], to[1], partitionOf.get(id))) {
                            ids.add(id);
                        }
                    });
                    expected.put(session, ids);
                    expectedDeliveries += ids.size();
                }
                await("every session has what it owns").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> sessions.stream().allMatch(s ->
                                s.client().framesOfType("event").size() >= expected.get(s).size()));

                long delivered = 0;
                long misdelivered = 0;
                long duplicates = 0;
                for (Session session : sessions) {
                    Set<String> seen = new HashSet<>();
                    for (JsonNode event : session.client().framesOfType("event")) {
                        delivered++;
                        String id = event.path("id").asText();
                        String[] to = sent.get(id);
                        int partition = Cursor.decode(event.path("cursor").asText()).orElseThrow().partition();
                        if (to == null || !session.owns(to[0], to[1], partition)
                                || !event.path("lobId").asText().equals(session.lob())) {
                            misdelivered++;
                        }
                        if (!seen.add(id)) {
                            duplicates++;
                        }
                    }
                    assertEquals(expected.get(session), seen, "session of " + session.lob());
                }
                System.out.printf("IsolationIT: %d sessions, %d LOBs, %d events sent, %d deliveries expected, "
                        + "%d delivered, %d misdelivered, %d duplicates%n", SESSIONS, LOBS, EVENTS,
                        expectedDeliveries, delivered, misdelivered, duplicates);
                assertEquals(0, misdelivered, "events at sessions that do not own them");
                assertEquals(0, duplicates);
                assertEquals(expectedDeliveries, delivered);
            } finally {
                sessions.forEach(s -> s.client().close());
            }
        }
    }
}
