package io.notifyrelay.client.it;

import io.notifyrelay.app.RelayNode;
import io.notifyrelay.client.ConnectionState;
import io.notifyrelay.client.NotifyRelayClient;
import io.notifyrelay.client.RelayEvent;
import io.notifyrelay.core.routing.Murmur2Partitioner;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.cluster.InProcessCluster;
import io.notifyrelay.testkit.cluster.RelayEnv;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against real relay nodes and a real broker: it follows its partitions when a node stops. */
@RealKafka
class ClientFailoverIT {

    private static final int PARTITIONS = 12;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String SECRET = "client-integration-secret-0123456789abcdef";
    private InProcessCluster cluster;
    private NotifyPublisher publisher;
    private final List<NotifyRelayClient> clients = new ArrayList<>();

    @BeforeEach
    void start(KafkaBackend kafka) {
        String topic = RelayEnv.uniqueName("client-it");
        kafka.createTopic(topic, PARTITIONS);
        // owner mode, the fixture's: these tests follow partitions between owners (anywhere mode serves all)
        cluster = new InProcessCluster(kafka.bootstrapServers(), topic, SECRET, PARTITIONS, env -> { });
        publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic).build();
    }

    @AfterEach
    void stop() {
        clients.forEach(NotifyRelayClient::close);
        publisher.close();
        cluster.close();
    }

    /** Records what a client delivered, and fails on any id delivered twice. */
    static final class Recorder {
        final Map<String, RelayEvent> byId = new ConcurrentHashMap<>();
        final List<String> twice = new CopyOnWriteArrayList<>();

        void accept(RelayEvent event) {
            if (byId.putIfAbsent(event.id(), event) != null) {
                twice.add(event.id());
            }
        }
    }

    private NotifyRelayClient client(String seed, String lob, List<String> contacts, Recorder recorder) {
        NotifyRelayClient.Builder builder = NotifyRelayClient.builder().seeds(seed)
                .tokenProvider(() -> TestTokens.hs256(SECRET).lob(lob).sign())
                .onEvent(recorder::accept);
        NotifyRelayClient client = (contacts == null ? builder.lobWide() : builder.contacts(contacts)).start();
        clients.add(client);
        return client;
    }

    @Test
    void followsItsPartitionsWhenANodeStopsAndKeepsReceiving() throws Exception {
        RelayNode first = cluster.startNode();
        RelayNode second = cluster.startNode();
        RelayNode third = cluster.startNode();
        cluster.awaitStableRoutes();

        String lob = RelayEnv.uniqueName("lob");
        // contacts on every node, so the contact client, too, has a session with the node that stops
        List<String> contacts = new ArrayList<>();
        for (RelayNode node : List.of(first, second, third)) {
            contacts.addAll(contactsOwnedBy(node, 2));
        }
        Recorder lobWide = new Recorder();
        Recorder someContacts = new Recorder();
        NotifyRelayClient lobClient = client(first.httpUrl(), lob, null, lobWide);
        NotifyRelayClient contactClient = client(first.webSocketUrl(), lob, contacts, someContacts);
        assertTrue(lobClient.awaitLive(WAIT), "LOB-wide client live");
        assertTrue(contactClient.awaitLive(WAIT), "contact client live");
        assertEquals(Set.of(first.webSocketUrl(), second.webSocketUrl(), third.webSocketUrl()),
                lobClient.nodeStates().keySet(), "one session per owner node");
        assertEquals(3, contactClient.nodeStates().size());

        Set<String> before = publish(lob, contacts, 36);
        await("first batch").atMost(WAIT).until(() -> lobWide.byId.keySet().containsAll(before)
                && someContacts.byId.keySet().containsAll(before));

        Thread stopper = new Thread(() -> cluster.stop(second), "stopper");
        stopper.start();
        await("node stopped").atMost(WAIT).until(() -> !stopper.isAlive());
        cluster.awaitStableRoutes();
        await("both clients served by the two nodes left").atMost(WAIT).until(() ->
                lobClient.state() == ConnectionState.LIVE && contactClient.state() == ConnectionState.LIVE
                        && !lobClient.nodeStates().containsKey(second.webSocketUrl())
                        && !contactClient.nodeStates().containsKey(second.webSocketUrl()));
        assertTrue(lobClient.stats().movesFollowed() + contactClient.stats().movesFollowed() > 0,
                "the stopping node sent moved frames and the clients followed them");

        Set<String> after = publish(lob, contacts, 36);
        await("second batch, including the contacts the stopped node served").atMost(WAIT).until(() ->
                lobWide.byId.keySet().containsAll(after) && someContacts.byId.keySet().containsAll(after));
        assertEquals(72, lobWide.byId.size());
        assertEquals(72, someContacts.byId.size());
        assertTrue(lobWide.twice.isEmpty(), "delivered twice: " + lobWide.twice);
        assertTrue(someContacts.twice.isEmpty(), "delivered twice: " + someContacts.twice);
        assertFalse(lobClient.cursors().isEmpty());
    }

    @Test
    void aLobWideClientSeesNothingOfOtherLobs() throws Exception {
        RelayNode only = cluster.startNode();
        cluster.awaitStableRoutes();
        String lob = RelayEnv.uniqueName("lob");
        String other = RelayEnv.uniqueName("other");
        Recorder recorder = new Recorder();
        NotifyRelayClient client = client(only.webSocketUrl(), lob, null, recorder);
        assertTrue(client.awaitLive(WAIT));
        Set<String> mine = publish(lob, List.of("c-1", "c-2"), 10);
        publish(other, List.of("c-1", "c-2"), 10);
        Set<String> last = publish(lob, List.of("c-3"), 1);
        await().atMost(WAIT).until(() -> recorder.byId.keySet().containsAll(last));
        Set<String> expected = new HashSet<>(mine);
        expected.addAll(last);
        assertEquals(expected, recorder.byId.keySet());
        recorder.byId.values().forEach(event -> assertEquals(lob, event.lobId()));
    }

    private Set<String> publish(String lob, List<String> contacts, int count) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < count; i++) {
            String contact = contacts.get(i % contacts.size());
            ids.add(publisher.publish(lob, contact, "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":"
                    + "{\"contactId\":\"" + contact + "\",\"state\":\"accepted-invitation\",\"message\":\"n" + i + "\"}}")
                    .eventId());
        }
        return ids;
    }

    private static List<String> contactsOwnedBy(RelayNode node, int count) {
        Set<Integer> owned = InProcessCluster.partitionsOf(node);
        Murmur2Partitioner partitioner = new Murmur2Partitioner();
        List<String> result = new ArrayList<>();
        while (result.size() < count) {
            String candidate = UUID.randomUUID().toString();
            if (owned.contains(partitioner.partitionOf(candidate, PARTITIONS))) {
                result.add(candidate);
            }
        }
        return result;
    }
}
