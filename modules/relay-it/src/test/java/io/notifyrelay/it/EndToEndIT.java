package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole path on one node: Notify publisher → Kafka → relay → WebSocket session of the right LOB. */
@RealKafka
class EndToEndIT {

    private static RelayNode relay;
    private static NotifyPublisher publisher;
    private static String topic;

    @BeforeAll
    static void start(KafkaBackend kafka) {
        topic = TestRelays.uniqueName("e2e");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        relay = TestRelays.startReady(TestRelays.env(kafka, topic, TestRelays.uniqueName("group")));
        publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic).build();
    }

    @AfterAll
    static void stop() {
        if (publisher != null) {
            publisher.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    private static WsTestClient session(String lob, List<String> contacts) {
        WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay));
        client.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
        JsonNode welcome = client.awaitFrame("welcome");
        assertFalse(welcome.path("sessionId").asText().isEmpty());
        if (contacts == null) {
            client.send("{\"type\":\"subscribe\"}");
        } else {
            client.send("{\"type\":\"subscribe\",\"contacts\":" + Notifications.JSON.valueToTree(contacts) + "}");
        }
        JsonNode subscribed = client.awaitFrame("subscribed");
        assertEquals(contacts == null, subscribed.path("lobWide").asBoolean());
        return client;
    }

    private static List<JsonNode> eventsOf(WsTestClient client) {
        return client.framesOfType("event");
    }

    private static List<String> eventIds(WsTestClient client) {
        return eventsOf(client).stream().map(e -> e.path("id").asText()).collect(Collectors.toList());
    }

    @Test
    void everySeedPayloadTypeAndStateArrivesAsProduced() {
        String lob = TestRelays.uniqueName("faber");
        Map<String, String> examples = TestRelays.validExamples();
        try (WsTestClient client = session(lob, null)) {
            List<PublishResult> sent = new ArrayList<>();
            for (String json : examples.values()) {
                sent.add(publisher.publish(lob, Notifications.contactIdOf(json), json));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> eventsOf(client).size() >= examples.size());
            Map<String, JsonNode> byId = eventsOf(client).stream()
                    .collect(Collectors.toMap(e -> e.path("id").asText(), e -> e));
            List<String> jsons = new ArrayList<>(examples.values());
            for (int i = 0; i < sent.size(); i++) {
                JsonNode event = byId.get(sent.get(i).eventId());
                assertTrue(event != null, "no event for " + sent.get(i));
                assertEquals(lob, event.path("lobId").asText());
                assertEquals(Notifications.contactIdOf(jsons.get(i)), event.path("contactId").asText());
                assertFalse(event.path("cursor").asText().isEmpty(), "cursor");
                assertEquals(Notifications.tree(jsons.get(i)), event.path("data"), "data as produced");
            }
            assertEquals(examples.size(), eventsOf(client).size(), "no extra events");
        }
    }

    @Test
    void bothPartiesOfAnInteractionEachGetOnlyTheirOwnNotification() {
        String inviter = TestRelays.uniqueName("faber");
        String invited = TestRelays.uniqueName("alice");
        List<String> contacts = TestRelays.contactsOnOnePartition(2);
        try (WsTestClient faber = session(inviter, null); WsTestClient alice = session(invited, null)) {
            PublishResult toAlice = publisher.publish(invited, contacts.get(0),
                    Notifications.connection(contacts.get(0), "received-invitation"));
            PublishResult toFaber = publisher.publish(inviter, contacts.get(1),
                    Notifications.connection(contacts.get(1), "accepted-invitation"));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> eventsOf(faber).size() >= 1 && eventsOf(alice).size() >= 1);
            assertEquals(List.of(toFaber.eventId()), eventIds(faber));
            assertEquals(List.of(toAlice.eventId()), eventIds(alice));
        }
    }

    @Test
    void everyTabOfALobGetsEachEvent() {
        String lob = TestRelays.uniqueName("lob");
        String contact = UUID.randomUUID().toString();
        try (WsTestClient tab1 = session(lob, null); WsTestClient tab2 = session(lob, null);
             WsTestClient tab3 = session(lob, List.of(contact))) {
            PublishResult sent = publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation"));
            for (WsTestClient tab : List.of(tab1, tab2, tab3)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> eventIds(tab).contains(sent.eventId()));
            }
        }
    }

    /**
     * Isolation: every event goes to exactly the sessions that own it. All contacts share a partition,
     * so once the last event has reached a session, any wrongly delivered earlier event would have too.
     */
    @Test
    void noEventReachesASessionThatDoesNotOwnIt() {
        String lob = TestRelays.uniqueName("lob");
        String otherLob = TestRelays.uniqueName("other");
        List<String> contacts = TestRelays.contactsOnOnePartition(3);
        String c1 = contacts.get(0);
        String c2 = contacts.get(1);
        String sentinel = contacts.get(2);
        try (WsTestClient wholeLob = session(lob, null);
             WsTestClient onlyC1 = session(lob, List.of(c1, sentinel));
             WsTestClient onlyC2 = session(lob, List.of(c2, sentinel));
             WsTestClient otherLobWhole = session(otherLob, null);
             WsTestClient otherLobC1 = session(otherLob, List.of(c1, sentinel))) {
            PublishResult e1 = publisher.publish(lob, c1, Notifications.connection(c1, "accepted-invitation"));
            PublishResult e2 = publisher.publish(lob, c2, Notifications.connection(c2, "declined-invitation"));
            PublishResult last = publisher.publish(lob, sentinel, Notifications.connection(sentinel, "received-invitation"));
            PublishResult otherLast = publisher.publish(otherLob, sentinel,
                    Notifications.connection(sentinel, "received-invitation"));
            for (WsTestClient client : List.of(wholeLob, onlyC1, onlyC2)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> eventIds(client).contains(last.eventId()));
            }
            for (WsTestClient client : List.of(otherLobWhole, otherLobC1)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> eventIds(client).contains(otherLast.eventId()));
            }
            assertEquals(List.of(e1.eventId(), e2.eventId(), last.eventId()), eventIds(wholeLob));
            assertEquals(List.of(e1.eventId(), last.eventId()), eventIds(onlyC1));
            assertEquals(List.of(e2.eventId(), last.eventId()), eventIds(onlyC2));
            assertEquals(List.of(otherLast.eventId()), eventIds(otherLobWhole));
            assertEquals(List.of(otherLast.eventId()), eventIds(otherLobC1));
        }
    }

    @Test
    void unsubscribedContactsStopArriving() {
        String lob = TestRelays.uniqueName("lob");
        List<String> contacts = TestRelays.contactsOnOnePartition(2);
        try (WsTestClient client = session(lob, contacts)) {
            client.send("{\"type\":\"unsubscribe\",\"contacts\":[\"" + contacts.get(0) + "\"]}");
            client.awaitFrame("unsubscribed");
            publisher.publish(lob, contacts.get(0), Notifications.connection(contacts.get(0), "accepted-invitation"));
            PublishResult kept = publisher.publish(lob, contacts.get(1),
                    Notifications.connection(contacts.get(1), "accepted-invitation"));
            await().atMost(Duration.ofSeconds(20)).until(() -> eventIds(client).contains(kept.eventId()));
            assertEquals(List.of(kept.eventId()), eventIds(client));
        }
    }

    @Test
    void tokenRestrictedToContactsGetsOnlyThoseWhenItSubscribesToItsLob() {
        String lob = TestRelays.uniqueName("lob");
        List<String> contacts = TestRelays.contactsOnOnePartition(2);
        try (WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay))) {
            client.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob)
                    .contacts(List.of(contacts.get(1))).sign() + "\"}");
            client.awaitFrame("welcome");
            client.send("{\"type\":\"subscribe\"}");
            JsonNode subscribed = client.awaitFrame("subscribed");
            assertEquals(Set.of(contacts.get(1)), Set.of(subscribed.path("contacts").get(0).asText()));
            publisher.publish(lob, contacts.get(0), Notifications.connection(contacts.get(0), "accepted-invitation"));
            PublishResult allowed = publisher.publish(lob, contacts.get(1),
                    Notifications.connection(contacts.get(1), "accepted-invitation"));
            await().atMost(Duration.ofSeconds(20)).until(() -> eventIds(client).contains(allowed.eventId()));
            assertEquals(List.of(allowed.eventId()), eventIds(client));
        }
    }

    @Test
    void badFramesGetAnErrorAndTheSessionCarriesOn() {
        String lob = TestRelays.uniqueName("lob");
        String contact = UUID.randomUUID().toString();
        try (WsTestClient client = session(lob, null)) {
            client.send("this is not json");
            client.send("{\"type\":\"teleport\"}");
            client.send("[1,2,3]");
            await().atMost(Duration.ofSeconds(10)).until(() -> client.framesOfType("error").size() >= 3);
            client.send("{\"type\":\"ping\"}");
            client.awaitFrame("pong");
            PublishResult sent = publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation"));
            await().atMost(Duration.ofSeconds(20)).until(() -> eventIds(client).contains(sent.eventId()));
            assertFalse(client.isClosed());
        }
    }

    @Test
    void healthEndpointsReportLiveAndReady() {
        assertEquals(200, TestRelays.get(relay, "/health/live").statusCode());
        var ready = TestRelays.get(relay, "/health/ready");
        assertEquals(200, ready.statusCode());
        JsonNode body = Notifications.tree(ready.body());
        assertEquals("UP", body.path("status").asText());
        assertEquals(TestRelays.PARTITIONS, body.path("partitions").size());
    }
}
