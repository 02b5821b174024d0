package io.notifyrelay.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against scripted relay nodes: routes, sessions per owner, moved, close codes, resume, dedupe. */
class ClientProtocolTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<RelayEvent> events = new CopyOnWriteArrayList<>();
    private final List<StatusChange> statuses = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private FakeRelay relay(FakeRelay.Cluster cluster) {
        FakeRelay relay = new FakeRelay(cluster);
        toClose.add(relay);
        return relay;
    }

    private NotifyRelayClient.Builder client(String seed) {
        return NotifyRelayClient.builder().seeds(seed).tokenProvider(() -> "token").onEvent(events::add)
                .onStatus(statuses::add).backoff(Duration.ofMillis(20), Duration.ofMillis(200));
    }

    private NotifyRelayClient started(NotifyRelayClient.Builder builder) {
        NotifyRelayClient client = builder.build();
        toClose.add(client);
        return client.start();
    }

    private static void awaitLive(NotifyRelayClient client) {
        await("client live").atMost(WAIT).until(() -> client.state() == ConnectionState.LIVE);
    }

    private List<String> eventIds() {
        return events.stream().map(RelayEvent::id).toList();
    }

    @Test
    void aLobWideClientOpensOneSessionPerOwnerAndDeliversEachEventOnce() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(4);
        FakeRelay a = relay(cluster);
        FakeRelay b = relay(cluster);
        cluster.own(a, 0, 1);
        cluster.own(b, 2, 3);
        NotifyRelayClient client = started(client(a.url()).lobWide());
        awaitLive(client);
        assertEquals(1, a.sessions.size());
        assertEquals(1, b.sessions.size());
        assertFalse(a.session(0).framesOfType("subscribe").get(0).has("contacts"), "LOB-wide: no contacts");
        assertTrue(a.session(0).framesOfType("subscribe").get(0).has("since"), "a since time for partitions without cursor");

        a.session(0).event("e1", 0, 10, "lob", "c1");
        b.session(0).event("e2", 2, 20, "lob", "c2");
        await().atMost(WAIT).until(() -> events.size() == 2);
        a.session(0).event("e1", 0, 10, "lob", "c1");
        a.session(0).event("e3", 1, 11, "lob", "c3");
        await().atMost(WAIT).until(() -> events.size() == 3);
        await().atMost(WAIT).until(() -> client.stats().duplicatesDropped() == 1);
        // the same event through b, which did not announce partition 0 (as when it just gained it): not shown,
        // and b is asked for it properly, on a fresh session that replays from our cursor
        b.session(0).event("e1", 0, 10, "lob", "c1");
        await().atMost(WAIT).until(() -> b.sessions.size() == 2);
        assertEquals(3, events.size());
        assertEquals(List.of("e1", "e2", "e3"), eventIds().stream().sorted().toList());
        RelayEvent first = events.stream().filter(e -> e.id().equals("e1")).findFirst().orElseThrow();
        assertEquals("lob", first.lobId());
        assertEquals("c1", first.contactId());
        assertEquals("accepted-invitation", first.data().path("payload").path("state").asText());
        assertEquals(a.url(), first.node());
        assertEquals(List.of(FakeRelay.cursor(0, 10), FakeRelay.cursor(1, 11), FakeRelay.cursor(2, 20)),
                client.cursors());
        assertEquals(3, client.stats().eventsDelivered());
    }

    @Test
    void followsMovedToTheNewOwnerAndResumesThereFromItsCursor() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(4);
        FakeRelay a = relay(cluster);
        FakeRelay b = relay(cluster);
        cluster.own(a, 0, 1);
        cluster.own(b, 2, 3);
        NotifyRelayClient client = started(client(b.url()).lobWide());
        awaitLive(client);
        a.session(0).event("e1", 1, 5, "lob", "c1");
        await().atMost(WAIT).until(() -> client.cursors().contains(FakeRelay.cursor(1, 5)));

        cluster.own(b, 1);
        a.session(0).send(FakeRelay.movedFrame(Set.of(), Set.of(1), b.url()));
        await("a fresh session with b, resuming from the cursor of partition 1").atMost(WAIT)
                .until(() -> b.sessions.size() == 2 && b.session(1).framesOfType("subscribe").size() == 1);
        assertTrue(b.session(1).cursorsOfSubscribe(0).contains(FakeRelay.cursor(1, 5)));
        awaitLive(client);
        assertEquals(1, client.stats().movesFollowed());
        assertTrue(statuses.stream().anyMatch(s -> s.overall() && s.state() == ConnectionState.RECOVERING));

        b.session(1).event("e2", 1, 6, "lob", "c1");
        await().atMost(WAIT).until(() -> client.cursors().contains(FakeRelay.cursor(1, 6)));
        assertEquals(List.of("e1", "e2"), eventIds());
    }

    @Test
    void aContactClientSubscribesEachContactAtItsOwnerAndFollowsAContactsMove() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(4);
        FakeRelay a = relay(cluster);
        FakeRelay b = relay(cluster);
        cluster.own(a, 0, 1);
        cluster.own(b, 2, 3);
        String onA = contactOn(0, 4);
        String onB = contactOn(3, 4);
        NotifyRelayClient client = started(client(a.url()).contacts(List.of(onA, onB)));
        awaitLive(client);
        assertEquals(List.of(onA), strings(a.session(0).framesOfType("subscribe").get(0).path("contacts")));
        assertEquals(List.of(onB), strings(b.session(0).framesOfType("subscribe").get(0).path("contacts")));

        // partition 0 moves to b: a tells the client, which subscribes the contact at b
        cluster.own(b, 0);
        a.session(0).send(FakeRelay.movedFrame(Set.of(onA), Set.of(0), b.url()));
        await().atMost(WAIT).until(() -> b.session(0).framesOfType("subscribe").size() == 2);
        assertEquals(List.of(onA), strings(b.session(0).framesOfType("subscribe").get(1).path("contacts")));
        awaitLive(client);
        await("the session with a, now serving nothing, is closed").atMost(WAIT)
                .until(() -> !client.nodeStates().containsKey(a.url()));

        b.session(0).event("e1", 0, 1, "lob", onA);
        b.session(0).event("e2", 3, 1, "lob", onB);
        b.session(0).event("e3", 3, 2, "lob", "someone-else"); // not ours: never shown
        await().atMost(WAIT).until(() -> client.cursors().size() == 2 && client.stats().outsideSubscription() == 1);
        assertEquals(List.of("e1", "e2"), eventIds());
    }

    /** Owner mode: the old node keeps serving a moved contact until the new one does; the client listens to both. */
    @Test
    void aMovedContactStaysAtItsOldNodeUntilTheNewOneServesIt() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(2);
        FakeRelay a = relay(cluster);
        FakeRelay b = relay(cluster);
        cluster.own(a, 0, 1);
        String x = contactOn(0, 2);
        NotifyRelayClient client = started(client(a.url()).contacts(List.of(x)));
        awaitLive(client);
        b.refuseSubscribes = Integer.MAX_VALUE; // answers with an error: it does not serve x yet
        cluster.own(b, 0);
        a.session(0).send(FakeRelay.movedFrame(Set.of(x), Set.of(0), b.url()));
        await().atMost(WAIT).ignoreExceptions().until(() -> !b.session(0).framesOfType("subscribe").isEmpty());
        a.session(0).event("from-a", 0, 5, "lob", x);
        await("the old node's event, while the new one does not serve the contact").atMost(WAIT)
                .until(() -> eventIds().contains("from-a"));
        assertTrue(client.nodeStates().containsKey(a.url()), "the old node's session stays meanwhile");
        b.refuseSubscribes = 0; // the client's next try is answered
        await("the old node let go once the new one serves the contact").atMost(WAIT)
                .until(() -> !client.nodeStates().containsKey(a.url()));
        b.session(0).event("from-b", 0, 6, "lob", x);
        await().atMost(WAIT).until(() -> eventIds().contains("from-b"));
    }

    @Test
    void aMovedContactResumesFromWhereItsOwnSessionGot() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(2);
        FakeRelay a = relay(cluster);
        FakeRelay b = relay(cluster);
        cluster.own(a, 0);
        cluster.own(b, 1);
        String x = contactOn(0, 2);
        String w = contactOn(1, 2);
        NotifyRelayClient client = started(client(a.url()).contacts(List.of(x, w)));
        awaitLive(client);
        a.session(0).event("e1", 0, 10, "lob", x);
        b.session(0).event("e2", 1, 3, "lob", w);
        await().atMost(WAIT).until(() -> events.size() == 2);

        cluster.own(b, 0);
        a.session(0).send(FakeRelay.movedFrame(Set.of(x), Set.of(0), b.url()));
        await("x subscribed at b, on the same session: b never sent partition 0 on it").atMost(WAIT)
                .until(() -> b.session(0).framesOfType("subscribe").size() == 2);
        assertEquals(List.of(x), strings(b.session(0).framesOfType("subscribe").get(1).path("contacts")));
        assertEquals(List.of(FakeRelay.cursor(0, 10)), b.session(0).cursorsOfSubscribe(1), "x's own position");
        awaitLive(client);
        assertEquals(List.of(FakeRelay.cursor(0, 10), FakeRelay.cursor(1, 3)), client.cursors());
    }

    @Test
    void aContactJoiningAPartitionTheSessionAlreadyDeliveredGetsAFreshSession() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        NotifyRelayClient client = started(client(a.url()).contacts(List.of("x", "y")));
        awaitLive(client);
        a.session(0).event("e1", 0, 10, "lob", "x");
        await().atMost(WAIT).until(() -> client.cursors().size() == 1);

        client.addContacts(List.of("z"));
        await("a second session, subscribing all three at once").atMost(WAIT)
                .until(() -> a.sessions.size() == 2 && !a.session(1).framesOfType("subscribe").isEmpty());
        assertEquals(Set.of("x", "y", "z"), Set.copyOf(strings(a.session(1).framesOfType("subscribe").get(0)
                .path("contacts"))));
        assertTrue(a.session(1).cursorsOfSubscribe(0).isEmpty(), "z has no cursor yet: the since time covers it");
        awaitLive(client);
        assertEquals(1, a.session(0).framesOfType("subscribe").size(), "nothing more on the old session");
    }

    @Test
    void aContactListedAsServedWithoutItsPartitionIsSubscribedAgain() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(2);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0, 1);
        String x = contactOn(0, 2);
        a.omitPartitions = 1; // as a node whose partition was revoked while it answered: it replayed nothing
        NotifyRelayClient client = started(client(a.url()).contacts(List.of(x)));
        await("subscribed again").atMost(WAIT).until(() -> a.session(0).framesOfType("subscribe").size() == 2);
        awaitLive(client);
        assertEquals(List.of(x), strings(a.session(0).framesOfType("subscribe").get(1).path("contacts")));
    }

    @Test
    void aContactClientSendsOneSubscribeAtATimeAndRetriesARefusedOne() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        a.refuseSubscribes = 2;
        List<String> many = new ArrayList<>();
        for (int i = 0; i < NotifyRelayClient.CONTACTS_PER_FRAME + 20; i++) {
            many.add("contact-" + i);
        }
        NotifyRelayClient client = started(client(a.url()).contacts(many));
        awaitLive(client);
        List<com.fasterxml.jackson.databind.JsonNode> subscribes = a.session(0).framesOfType("subscribe");
        assertEquals(4, subscribes.size(), "two refused, then the two batches one after the other");
        assertEquals(NotifyRelayClient.CONTACTS_PER_FRAME, subscribes.get(2).path("contacts").size());
        assertEquals(20, subscribes.get(3).path("contacts").size());
        assertEquals(1, a.sessions.size(), "a refusal is not a reason to reconnect");
    }

    @Test
    void reconnectsAfterATooSlowCloseAndResumesFromItsCursor() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(2);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0, 1);
        NotifyRelayClient client = started(client(a.url()).lobWide());
        awaitLive(client);
        a.session(0).event("e1", 0, 3, "lob", "c1");
        await().atMost(WAIT).until(() -> events.size() == 1);
        a.session(0).close(4429, "too slow");
        await("a new session").atMost(WAIT).until(() -> a.sessions.size() == 2
                && !a.session(1).framesOfType("subscribe").isEmpty());
        assertEquals(List.of(FakeRelay.cursor(0, 3)), a.session(1).cursorsOfSubscribe(0));
        awaitLive(client);
        a.session(1).event("e1", 0, 3, "lob", "c1"); // the replay repeats the last event
        a.session(1).event("e2", 0, 4, "lob", "c1");
        await().atMost(WAIT).until(() -> events.size() == 2 && client.stats().duplicatesDropped() == 1);
        ClientStats stats = client.stats();
        assertEquals(1, stats.tooSlowCloses());
        assertEquals(1, stats.reconnects());
        assertEquals(1, stats.catchUps());
    }

    @Test
    void namesThePreviousSessionAndReportsATooSlowCloseItNeverSaw() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        List<ClientError> errors = new CopyOnWriteArrayList<>();
        NotifyRelayClient client = started(client(a.url()).lobWide().onError(errors::add));
        awaitLive(client);
        a.closedAsTooSlow = true;
        a.session(0).abort(); // the 4429 close frame stuck behind unread data: the client sees 1006
        await("a new session").atMost(WAIT).until(() -> a.sessions.size() == 2
                && !a.session(1).framesOfType("auth").isEmpty());
        assertFalse(a.session(0).framesOfType("auth").get(0).has("previousSession"), "nothing to name at first");
        assertEquals("s-1", a.session(1).framesOfType("auth").get(0).path("previousSession").asText());
        await("closed_too_slow reported").atMost(WAIT).until(() -> !errors.isEmpty());
        ClientError error = errors.get(0);
        assertEquals("closed_too_slow", error.code());
        assertEquals(a.url(), error.node());
        assertFalse(error.fatal());
        assertTrue(error.message().contains("4429"), error.message());
        assertEquals(1, client.stats().tooSlowCloses(), "the close the client never saw is counted");
    }

    @Test
    void aTooSlowCloseTheClientSawIsCountedOnceWhenTheNodeTellsItAgain() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        List<ClientError> errors = new CopyOnWriteArrayList<>();
        NotifyRelayClient client = started(client(a.url()).lobWide().onError(errors::add));
        awaitLive(client);
        a.closedAsTooSlow = true;
        a.session(0).close(4429, "too slow");
        await("closed_too_slow reported").atMost(WAIT).until(() -> !errors.isEmpty());
        awaitLive(client);
        assertEquals(1, client.stats().tooSlowCloses());
    }

    @Test
    void acknowledgesEachEventAfterTheListenerReturnedOnTheSessionThatDeliveredIt() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        NotifyRelayClient client = started(client(a.url()).lobWide().ack(true).onEvent(event -> {
            events.add(event);
            if (event.id().equals("e2")) {
                throw new IllegalStateException("not handled");
            }
        }));
        awaitLive(client);
        assertTrue(a.session(0).framesOfType("subscribe").get(0).path("ack").asBoolean(), "subscribe asks to ack");
        a.session(0).event("e1", 0, 1, "lob", "c1");
        a.session(0).event("e2", 0, 2, "lob", "c1");
        a.session(0).event("e3", 0, 3, "lob", "c1");
        await("acks").atMost(WAIT).until(() -> a.session(0).framesOfType("ack").size() == 2);
        assertEquals(List.of("e1", "e3"), a.session(0).framesOfType("ack").stream()
                .map(frame -> frame.path("ids").get(0).asText()).toList(), "no ack for the event whose listener threw");
    }

    @Test
    void withoutTheOptionTheSubscribeDoesNotAskToAcknowledge() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        NotifyRelayClient client = started(client(a.url()).lobWide());
        awaitLive(client);
        assertFalse(a.session(0).framesOfType("subscribe").get(0).has("ack"));
    }

    @Test
    void asksTheTokenProviderAgainAfterA4401() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        a.acceptToken = token -> token.equals("token-2");
        AtomicInteger issued = new AtomicInteger();
        NotifyRelayClient client = started(client(a.url()).lobWide()
                .tokenProvider(() -> "token-" + issued.incrementAndGet()));
        awaitLive(client);
        assertEquals(List.of("token-1", "token-2"), a.tokens);
    }

    @Test
    void stopsForGoodWhenTheSubscriptionIsForbidden() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        a.subscribeCloseCode = 4403;
        NotifyRelayClient client = started(client(a.url()).contacts(List.of("c1")));
        await().atMost(WAIT).until(() -> client.state() == ConnectionState.FAILED);
        await("no retry after 4403").during(Duration.ofMillis(500)).atMost(WAIT)
                .until(() -> a.sessions.size() == 1);
        assertTrue(statuses.get(statuses.size() - 1).detail().contains("4403"));
    }

    @Test
    void aRelayWithoutResumeStillServesTheLiveStream() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        a.resume = FakeRelay.Resume.UNAVAILABLE;
        NotifyRelayClient client = started(client(a.url()).lobWide());
        awaitLive(client);
        a.session(0).event("e1", 0, 1, "lob", "c1");
        await().atMost(WAIT).until(() -> client.cursors().size() == 1);
        assertEquals("resume_unavailable", client.stats().lastIncompleteReason());
        assertEquals(1, client.stats().resumesIncomplete());
    }

    @Test
    void theCursorWaitsForTheEndOfTheReplay() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        a.resume = FakeRelay.Resume.HELD;
        NotifyRelayClient client = started(client(a.url()).lobWide()
                .resumeFrom(List.of(FakeRelay.cursor(0, 1))));
        await().atMost(WAIT).until(() -> a.sessions.size() == 1 && a.session(0).framesOfType("subscribe").size() == 1);
        assertEquals(List.of(FakeRelay.cursor(0, 1)), a.session(0).cursorsOfSubscribe(0));
        a.session(0).event("e2", 0, 2, "lob", "c1"); // replayed
        a.session(0).event("e3", 0, 3, "lob", "c1");
        await().atMost(WAIT).until(() -> events.size() == 2);
        assertEquals(List.of(FakeRelay.cursor(0, 1)), client.cursors(), "not before the replay is over");
        assertEquals(ConnectionState.CONNECTING, client.state());
        a.session(0).send("{\"type\":\"subscribed\",\"lobWide\":true,\"partitions\":[0],\"recovered\":true}");
        awaitLive(client);
        assertEquals(List.of(FakeRelay.cursor(0, 3)), client.cursors());
    }

    @Test
    void anIncompleteReplayIsReported() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        a.resume = FakeRelay.Resume.HELD;
        a.onSubscribe = (session, frame) -> session.send(
                "{\"type\":\"subscribed\",\"lobWide\":true,\"partitions\":[0],\"recovered\":false,\"reason\":\"retention\"}");
        NotifyRelayClient client = started(client(a.url()).lobWide());
        awaitLive(client);
        assertEquals(1, client.stats().resumesIncomplete());
        assertEquals("retention", client.stats().lastIncompleteReason());
    }

    @Test
    void eventsOfAPartitionANodeDidNotAnnounceMakeTheClientResubscribeThere() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(2);
        FakeRelay a = relay(cluster);
        FakeRelay b = relay(cluster);
        cluster.own(a, 0);
        cluster.own(b, 1);
        NotifyRelayClient client = started(client(a.url()).lobWide());
        awaitLive(client);
        b.session(0).event("e1", 1, 7, "lob", "c1");
        await().atMost(WAIT).until(() -> client.cursors().size() == 1);
        // a crashed; b took partition 0 and delivers it before anyone said so
        cluster.own(b, 0);
        a.session(0).abort();
        b.session(0).event("e2", 0, 50, "lob", "c2");
        await("a fresh session with b replays from our cursors").atMost(WAIT)
                .until(() -> b.sessions.size() == 2 && !b.session(1).framesOfType("subscribe").isEmpty());
        assertTrue(b.session(1).cursorsOfSubscribe(0).contains(FakeRelay.cursor(1, 7)));
        awaitLive(client);
        assertFalse(client.cursors().contains(FakeRelay.cursor(0, 50)),
                "an unannounced event never moves the cursor: there may be a gap before it");
        b.session(1).event("e2", 0, 50, "lob", "c2"); // the replay
        b.session(1).event("e3", 0, 51, "lob", "c2");
        await().atMost(WAIT).until(() -> client.cursors().contains(FakeRelay.cursor(0, 51)));
        assertEquals(List.of("e1", "e2", "e3"), eventIds(), "e2 once, in order, from the session that announced it");
    }

    @Test
    void findsAPartitionThatLeftWithoutAMovedFrameThroughTheRoutes() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(2);
        FakeRelay a = relay(cluster);
        FakeRelay b = relay(cluster);
        cluster.own(a, 0);
        cluster.own(b, 1);
        NotifyRelayClient client = started(client(a.url()).lobWide());
        awaitLive(client);
        // partition 0 went to b; a's moved frame was lost (say, on a session the client was replacing). The
        // next event a sends is of a partition it does not announce, so the client replaces that session; the
        // fresh one announces nothing. Only the routes can tell where partition 0 is now.
        cluster.own(b, 0);
        a.session(0).event("e1", 1, 5, "lob", "c1");
        await("a's fresh session").atMost(WAIT).until(() -> a.sessions.size() == 2);
        await("b asked for partition 0 on a fresh session").atMost(WAIT).until(() -> b.sessions.size() == 2);
        awaitLive(client);
    }

    @Test
    void goesOfflineAndComesBack() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        NotifyRelayClient client = started(client(a.url()).lobWide());
        awaitLive(client);
        client.faults().goOffline(Duration.ofMillis(300));
        await().atMost(WAIT).until(() -> client.state() == ConnectionState.OFFLINE);
        awaitLive(client);
        assertEquals(2, a.sessions.size());
        assertEquals(1, client.stats().reconnects());
    }

    @Test
    void closeEndsEverySession() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay a = relay(cluster);
        cluster.own(a, 0);
        NotifyRelayClient client = started(client(a.url()).lobWide());
        awaitLive(client);
        client.close();
        assertEquals(ConnectionState.CLOSED, client.state());
        await().atMost(WAIT).until(() -> !a.session(0).channel.isOpen());
    }

    private static String contactOn(int partition, int partitionCount) {
        for (int i = 0; ; i++) {
            String contact = "contact-" + i;
            if (Partitioners.murmur2Partition(contact, partitionCount) == partition) {
                return contact;
            }
        }
    }

    private static List<String> strings(com.fasterxml.jackson.databind.JsonNode array) {
        List<String> result = new ArrayList<>();
        array.forEach(item -> result.add(item.asText()));
        return result;
    }
}
