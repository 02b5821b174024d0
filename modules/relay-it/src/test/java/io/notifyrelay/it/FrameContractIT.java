package io.notifyrelay.it;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.routing.Murmur2Partitioner;
import io.notifyrelay.core.schema.NotificationSchema;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import io.notifyrelay.websocket.CloseCodes;
import io.notifyrelay.testkit.cluster.InProcessCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract in schemas/ against the real thing: real relay nodes (two, in one group, so that some
 * contacts live on the other node), a real broker, real WebSocket sessions. Every frame a test sends is
 * checked against websocket/client-frame.schema.json (and frames meant to be refused must fail it), and
 * every frame received against websocket/server-frame.schema.json, plus: the server sends no member that the
 * frame's schema does not declare, and no duplicate member. The schemas are read from the source folder, not
 * from an installed relay-core jar, so this checks the contract as it is in the work tree.
 */
@RealKafka
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FrameContractIT {

    private static final Path SCHEMAS = Path.of("..", "..", "schemas").toAbsolutePath().normalize();
    private static final ObjectMapper STRICT = new ObjectMapper(
            JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final int MAX_CONTACTS = 20;
    private static final int SCENARIOS = 7;

    private static InProcessCluster cluster;
    private static RelayNode nodeA;
    private static RelayNode nodeB;
    private static NotifyPublisher publisher;
    private static JsonSchema serverFrame;
    private static JsonSchema clientFrame;
    private static JsonSchema notification;
    private static final Map<String, Set<String>> declaredMembers = new HashMap<>();

    /** What the server was seen to send, over all tests: frame types, error codes, subscribed reasons. */
    private static final Set<String> seenTypes = ConcurrentHashMap.newKeySet();
    private static final Set<String> seenErrorCodes = ConcurrentHashMap.newKeySet();
    private static final Set<String> seenReasons = ConcurrentHashMap.newKeySet();
    /** Event frames with the optional traceparent (NotifyPublisher always sends ce_traceparent). */
    private static final AtomicInteger eventsWithTraceparent = new AtomicInteger();
    private static final AtomicInteger scenariosPassed = new AtomicInteger();
    private static final AtomicInteger framesChecked = new AtomicInteger();

    @BeforeAll
    static void start(KafkaBackend kafka) throws IOException {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, builder ->
                builder.schemaMappers(mappers -> mappers.mapPrefix(NotificationSchema.ID_BASE, SCHEMAS.toUri().toString())));
        serverFrame = load(factory, "websocket/server-frame.schema.json");
        clientFrame = load(factory, "websocket/client-frame.schema.json");
        notification = load(factory, "notification.schema.json");
        try (var files = Files.list(SCHEMAS.resolve("websocket"))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                JsonNode schema = STRICT.readTree(file.toFile());
                String type = schema.at("/properties/type/const").asText("");
                if (!type.isEmpty()) {
                    Set<String> members = new HashSet<>();
                    schema.path("properties").fieldNames().forEachRemaining(members::add);
                    declaredMembers.put(type, members);
                }
            }
        }

        String topic = TestRelays.uniqueName("contract");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        cluster = TestRelays.cluster(kafka, topic,
                env -> env.put("RELAY_MAX_CONTACTS_PER_SESSION", String.valueOf(MAX_CONTACTS)));
        nodeA = cluster.startNode();
        nodeB = cluster.startNode();
        cluster.awaitStableRoutes();
        publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic).build();
    }

    @AfterAll
    static void stop() {
        if (publisher != null) {
            publisher.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static JsonSchema load(JsonSchemaFactory factory, String file) {
        JsonSchema schema = factory.getSchema(SchemaLocation.of(NotificationSchema.ID_BASE + file),
                NotificationSchema.validatorsConfig());
        schema.initializeValidators();
        return schema;
    }

    // ---- scenarios ----

    @Test
    @Order(1)
    void lobWideSessionWelcomeSubscribedEventAndPong() {
        String lob = TestRelays.uniqueName("lob");
        try (ContractSession session = ContractSession.open(nodeA, token(lob))) {
            JsonNode welcome = session.awaitType("welcome");
            assertTrue(welcome.path("heartbeatMs").asLong() > 0);

            session.send("{\"type\":\"ping\"}");
            session.awaitType("pong");

            session.send("{\"type\":\"subscribe\"}");
            JsonNode subscribed = session.awaitType("subscribed");
            assertTrue(subscribed.path("lobWide").asBoolean(), subscribed.toString());
            assertFalse(subscribed.has("contacts"), "no contacts member on a LOB-wide subscription");
            assertFalse(subscribed.has("recovered"), "recovered only answers a resume");
            assertEquals(InProcessCluster.partitionsOf(nodeA), ints(subscribed.path("partitions")));

            String contact = contactOwnedBy(nodeA);
            String json = Notifications.connection(contact, "accepted-invitation");
            PublishResult sent = publisher.publish(lob, contact, json);
            JsonNode event = session.awaitEvent(sent.eventId());
            assertEquals(lob, event.path("lobId").asText());
            assertEquals(contact, event.path("contactId").asText());
            assertEquals(Notifications.tree(json), event.path("data"), "data is the notification as produced");
            assertEquals(sent.partition(), cursorOf(event).partition());
            assertEquals(sent.offset(), cursorOf(event).offset());
            session.assertNoErrors();
        }
        scenariosPassed.incrementAndGet();
    }

    @Test
    @Order(2)
    void contactsHereAreSubscribedContactsElsewhereAreMovedThenUnsubscribed() {
        String lob = TestRelays.uniqueName("lob");
        String here = contactOwnedBy(nodeA);
        String there = contactOwnedBy(nodeB);
        try (ContractSession session = ContractSession.open(nodeA, token(lob))) {
            session.awaitType("welcome");
            session.send("{\"type\":\"subscribe\",\"contacts\":[\"" + here + "\",\"" + there + "\",\"" + here + "\"]}");
            JsonNode subscribed = session.awaitType("subscribed");
            JsonNode moved = session.awaitType("moved");
            assertTrue(session.indexOf(moved) < session.indexOf(subscribed), "moved comes before subscribed");
            assertEquals(List.of(there), strings(moved.path("contacts")));
            assertEquals(Set.of(partitionOf(there)), ints(moved.path("partitions")));
            assertEquals(nodeB.webSocketUrl(), moved.path("url").asText());
            assertFalse(subscribed.path("lobWide").asBoolean());
            assertEquals(List.of(here), strings(subscribed.path("contacts")), "request order, no duplicates");
            assertEquals(Set.of(partitionOf(here)), ints(subscribed.path("partitions")));

            PublishResult sent = publisher.publish(lob, here, Notifications.connection(here, "received-invitation"));
            session.awaitEvent(sent.eventId());

            // follow the move: the contact is served at the url given
            try (ContractSession elsewhere = ContractSession.open(URI.create(moved.path("url").asText()), token(lob))) {
                elsewhere.awaitType("welcome");
                elsewhere.send("{\"type\":\"subscribe\",\"contacts\":[\"" + there + "\"]}");
                JsonNode served = elsewhere.awaitType("subscribed");
                assertEquals(List.of(there), strings(served.path("contacts")));
                PublishResult away = publisher.publish(lob, there, Notifications.connection(there, "accepted-invitation"));
                elsewhere.awaitEvent(away.eventId());
                elsewhere.assertNoErrors();
            }

            session.send("{\"type\":\"unsubscribe\",\"contacts\":[\"" + here + "\"]}");
            JsonNode unsubscribed = session.awaitType("unsubscribed");
            assertEquals(List.of(here), strings(unsubscribed.path("contacts")));
            PublishResult after = publisher.publish(lob, here, Notifications.connection(here, "declined-invitation"));
            session.send("{\"type\":\"ping\"}");
            session.awaitFrames("pong", 1);
            session.client.assertNoFrame("the event after unsubscribe",
                    f -> after.eventId().equals(f.path("id").asText()), Duration.ofSeconds(2));
            session.assertNoErrors();
        }
        scenariosPassed.incrementAndGet();
    }

    @Test
    @Order(3)
    void refusedFramesFailTheClientSchemaAndGetErrorsWhileTheSessionStaysOpen() {
        String lob = TestRelays.uniqueName("lob");
        try (ContractSession session = ContractSession.open(nodeA, token(lob))) {
            session.awaitType("welcome");
            List<String> badFrames = List.of(
                    "{\"type\":\"subscribe\",\"contacts\":[]}",
                    "{\"type\":\"subscribe\",\"contacts\":[\"\"]}",
                    "{\"type\":\"subscribe\",\"cursors\":[7]}",
                    "{\"type\":\"subscribe\",\"since\":1769860800000}",
                    "{\"type\":\"unsubscribe\"}",
                    "{\"type\":\"auth\",\"token\":\" \"}",
                    "[\"type\",\"ping\"]",
                    "{\"kind\":\"ping\"}");
            int errors = 0;
            for (String frame : badFrames) {
                session.sendRefused(frame);
                JsonNode error = session.awaitFrames("error", ++errors).get(errors - 1);
                assertEquals("bad_frame", error.path("code").asText(), frame);
            }
            session.sendRaw("this is not JSON");
            assertEquals("bad_frame", session.awaitFrames("error", ++errors).get(errors - 1).path("code").asText());

            session.sendRefused("{\"type\":\"subscribe_all\"}");
            assertEquals("unknown_type", session.awaitFrames("error", ++errors).get(errors - 1).path("code").asText());

            List<String> many = new ArrayList<>();
            for (int i = 0; i <= MAX_CONTACTS; i++) {
                many.add("\"" + UUID.randomUUID() + "\"");
            }
            session.send("{\"type\":\"subscribe\",\"contacts\":[" + String.join(",", many) + "]}");
            JsonNode tooMany = session.awaitFrames("error", ++errors).get(errors - 1);
            assertEquals("too_many_subscriptions", tooMany.path("code").asText());

            // valid by the schema (format is an annotation) but not a time: error, then the subscription goes ahead
            session.send("{\"type\":\"subscribe\",\"since\":\"yesterday\"}");
            assertEquals("bad_frame", session.awaitFrames("error", ++errors).get(errors - 1).path("code").asText());
            JsonNode subscribed = session.awaitType("subscribed");
            assertFalse(subscribed.path("recovered").asBoolean(true));
            assertEquals("bad_since", subscribed.path("reason").asText());

            session.send("{\"type\":\"ping\"}");
            session.awaitType("pong");
            assertFalse(session.client.isClosed(), "errors leave the session open");
        }
        scenariosPassed.incrementAndGet();
    }

    @Test
    @Order(4)
    void resumeWithCursorsReplaysWhatWasMissedThenSaysRecovered() {
        String lob = TestRelays.uniqueName("lob");
        String contact = contactOwnedBy(nodeA);
        String cursor;
        List<String> missed = new ArrayList<>();
        try (ContractSession first = ContractSession.open(nodeA, token(lob))) {
            first.awaitType("welcome");
            first.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
            first.awaitType("subscribed");
            List<String> ids = publish(lob, contact, 3);
            for (String id : ids) {
                first.awaitEvent(id);
            }
            cursor = first.client.framesOfType("event").get(0).path("cursor").asText();
            missed.addAll(ids.subList(1, 3));
            first.assertNoErrors();
        }
        missed.addAll(publish(lob, contact, 2));

        try (ContractSession back = ContractSession.open(nodeA, token(lob))) {
            back.awaitType("welcome");
            back.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"],\"cursors\":[\"" + cursor + "\"]}");
            JsonNode subscribed = back.awaitType("subscribed");
            assertTrue(subscribed.path("recovered").asBoolean(), subscribed.toString());
            assertFalse(subscribed.has("reason"));
            assertEquals(List.of(contact), strings(subscribed.path("contacts")));
            List<String> replayed = back.client.framesOfType("event").stream().map(e -> e.path("id").asText()).toList();
            assertEquals(missed, replayed, "exactly the missed events, in order, before subscribed");
            String live = publish(lob, contact, 1).get(0);
            JsonNode liveEvent = back.awaitEvent(live);
            assertTrue(back.indexOf(liveEvent) > back.indexOf(subscribed));
            back.assertNoErrors();
        }
        scenariosPassed.incrementAndGet();
    }

    @Test
    @Order(5)
    void incompleteResumesSayWhyAndALobWideResumeHasNoContacts() {
        String lob = TestRelays.uniqueName("lob");
        Map<String, String> subscribes = new java.util.LinkedHashMap<>();
        subscribes.put("epoch_changed", "{\"type\":\"subscribe\",\"cursors\":[\"" + new Cursor("deadbeef", 3, 10).encode() + "\"]}");
        subscribes.put("bad_cursor", "{\"type\":\"subscribe\",\"contacts\":[\"" + contactOwnedBy(nodeA)
                + "\"],\"cursors\":[\"not-a-cursor\"]}");
        for (Map.Entry<String, String> entry : subscribes.entrySet()) {
            try (ContractSession session = ContractSession.open(nodeA, token(lob))) {
                session.awaitType("welcome");
                session.send(entry.getValue());
                JsonNode subscribed = session.awaitType("subscribed");
                assertFalse(subscribed.path("recovered").asBoolean(true), subscribed.toString());
                assertEquals(entry.getKey(), subscribed.path("reason").asText());
                session.assertNoErrors();
            }
        }
        // a LOB-wide resume from a time, with nothing missed: recovered, and no contacts member
        try (ContractSession session = ContractSession.open(nodeA, token(lob))) {
            session.awaitType("welcome");
            session.send("{\"type\":\"subscribe\",\"since\":\"" + Instant.now() + "\",\"cursors\":null}");
            // a second subscribe while that resume may still run: resume_in_progress, or served normally
            session.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contactOwnedBy(nodeA) + "\"]}");
            JsonNode subscribed = session.awaitFrame("a LOB-wide subscribed", f -> "subscribed".equals(f.path("type").asText())
                    && f.path("lobWide").asBoolean());
            assertTrue(subscribed.path("recovered").asBoolean(), subscribed.toString());
            assertFalse(subscribed.has("contacts"));
            session.send("{\"type\":\"ping\"}");
            session.awaitType("pong");
            for (JsonNode error : session.client.framesOfType("error")) {
                assertEquals("resume_in_progress", error.path("code").asText());
            }
        }
        scenariosPassed.incrementAndGet();
    }

    @Test
    @Order(6)
    void tokenExpiringAsksForARefreshAndWithoutOneTheSessionEndsWith4401() {
        String lob = TestRelays.uniqueName("lob");
        // far less left than the warning period (60 s): warned at once
        String shortLived = TestTokens.hs256(TestRelays.SECRET).lob(lob).expiresIn(Duration.ofSeconds(3)).sign();
        try (ContractSession refreshed = ContractSession.open(nodeA, shortLived);
             ContractSession expiring = ContractSession.open(nodeA, shortLived)) {
            refreshed.awaitType("welcome");
            JsonNode warning = refreshed.awaitType("token_expiring");
            Instant expiresAt = Instant.parse(warning.path("expiresAt").asText());
            long refreshWithin = warning.path("refreshWithin").asLong();
            assertTrue(refreshWithin >= 0 && refreshWithin <= 3_000, warning.toString());
            assertTrue(expiresAt.isAfter(Instant.now().minusSeconds(1)) && expiresAt.isBefore(Instant.now().plusSeconds(4)),
                    warning.toString());

            refreshed.send("{\"type\":\"auth\",\"token\":\"" + token(lob) + "\"}");
            expiring.awaitType("token_expiring");
            assertEquals(CloseCodes.UNAUTHORIZED, expiring.client.awaitClose(Duration.ofSeconds(10)));
            await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(expiresAt.plusSeconds(1)));

            refreshed.send("{\"type\":\"ping\"}");
            refreshed.awaitType("pong");
            assertFalse(refreshed.client.isClosed(), "a refreshed session outlives its first token");
            assertEquals(1, refreshed.client.framesOfType("welcome").size(), "a refresh is not answered");
            refreshed.assertNoErrors();
            expiring.checkAll();
        }
        scenariosPassed.incrementAndGet();
    }

    @Test
    @Order(7)
    void theCloseCodesOfTheServerAreTheDocumentedOnes() throws Exception {
        Set<String> inCode = new TreeSet<>();
        for (Field field : CloseCodes.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
                inCode.add(String.valueOf(field.getInt(null)));
            }
        }
        JsonNode asyncApi = new YAMLMapper().readTree(SCHEMAS.resolve("asyncapi.yaml").toFile());
        JsonNode channel = asyncApi.at("/channels/relaySocket");
        Set<String> documented = new TreeSet<>();
        channel.path("x-close-codes").fieldNames().forEachRemaining(documented::add);
        assertEquals(inCode, documented, "asyncapi.yaml x-close-codes against CloseCodes");
        String readme = Files.readString(SCHEMAS.resolve("README.md"));
        for (String code : inCode) {
            assertTrue(channel.path("description").asText().contains("| " + code + " |"), "asyncapi table: " + code);
            assertTrue(readme.contains("| " + code + " |"), "README table: " + code);
        }

        // and one of them for real: subscribe before auth
        try (ContractSession session = ContractSession.connect(nodeA)) {
            session.send("{\"type\":\"subscribe\"}");
            assertEquals(CloseCodes.UNAUTHORIZED, session.client.awaitClose());
            session.checkAll();
        }
        scenariosPassed.incrementAndGet();
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void everyServerFrameTypeWasSeenAndMatchedItsSchema() throws IOException {
        assumeTrue(scenariosPassed.get() == SCENARIOS, "needs every scenario of the class to have passed");
        JsonNode union = STRICT.readTree(SCHEMAS.resolve("websocket/server-frame.schema.json").toFile());
        Set<String> types = new TreeSet<>();
        union.at("/properties/type/enum").forEach(type -> types.add(type.asText()));
        // sent only by a node that lost Kafka: FaultsIT (relay-chaos) cuts a node off and checks it there
        types.remove("status");
        assertEquals(types, new TreeSet<>(seenTypes), "server frame types documented vs seen from a real server");
        assertTrue(seenErrorCodes.containsAll(Set.of("bad_frame", "unknown_type", "too_many_subscriptions")), seenErrorCodes.toString());
        assertTrue(seenReasons.containsAll(Set.of("epoch_changed", "bad_cursor", "bad_since")), seenReasons.toString());
        assertTrue(framesChecked.get() > 30, "frames checked: " + framesChecked.get());
        assertTrue(eventsWithTraceparent.get() > 0, "event frames offered the producer's traceparent");
    }

    // ---- helpers ----

    private static String token(String lob) {
        return TestTokens.hs256(TestRelays.SECRET).lob(lob).sign();
    }

    private static List<String> publish(String lob, String contact, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation")).eventId());
        }
        return ids;
    }

    private static int partitionOf(String contact) {
        return new Murmur2Partitioner().partitionOf(contact, TestRelays.PARTITIONS);
    }

    private static String contactOwnedBy(RelayNode node) {
        Set<Integer> owned = InProcessCluster.partitionsOf(node);
        assertFalse(owned.isEmpty(), "the node owns partitions");
        while (true) {
            String candidate = UUID.randomUUID().toString();
            if (owned.contains(partitionOf(candidate))) {
                return candidate;
            }
        }
    }

    private static Cursor cursorOf(JsonNode event) {
        return Cursor.decode(event.path("cursor").asText()).orElseThrow();
    }

    private static Set<Integer> ints(JsonNode array) {
        Set<Integer> values = new TreeSet<>();
        array.forEach(v -> values.add(v.asInt()));
        return values;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    /** A WebSocket session whose every frame, both ways, is checked against the schemas. */
    private static final class ContractSession implements AutoCloseable {
        final WsTestClient client;
        private int checked;

        private ContractSession(WsTestClient client) {
            this.client = client;
        }

        static ContractSession connect(RelayNode node) {
            return new ContractSession(WsTestClient.connect(TestRelays.wsUri(node)));
        }

        static ContractSession open(RelayNode node, String token) {
            return open(TestRelays.wsUri(node), token);
        }

        static ContractSession open(URI uri, String token) {
            ContractSession session = new ContractSession(WsTestClient.connect(uri));
            session.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            return session;
        }

        /** Sends a frame the contract allows. */
        void send(String json) {
            Set<ValidationMessage> errors = clientFrame.validate(parse(json));
            assertTrue(errors.isEmpty(), () -> "client frame " + json + " breaks client-frame.schema.json: " + errors);
            client.send(json);
        }

        /** Sends a frame the contract does not allow: the schema must say so too. */
        void sendRefused(String json) {
            assertFalse(clientFrame.validate(parse(json)).isEmpty(), () -> json + " should fail client-frame.schema.json");
            client.send(json);
        }

        void sendRaw(String text) {
            client.send(text);
        }

        JsonNode awaitType(String type) {
            JsonNode frame = client.awaitFrame(type);
            checkAll();
            return frame;
        }

        List<JsonNode> awaitFrames(String type, int count) {
            List<JsonNode> frames = client.awaitFrames(type, count);
            checkAll();
            return frames;
        }

        JsonNode awaitFrame(String description, Predicate<JsonNode> predicate) {
            JsonNode frame = client.awaitFrame(description, predicate, WsTestClient.DEFAULT_TIMEOUT);
            checkAll();
            return frame;
        }

        JsonNode awaitEvent(String eventId) {
            return awaitFrame("event " + eventId,
                    f -> "event".equals(f.path("type").asText()) && eventId.equals(f.path("id").asText()));
        }

        /** Position in arrival order; frames are compared by identity. */
        int indexOf(JsonNode frame) {
            List<JsonNode> frames = client.frames();
            for (int i = 0; i < frames.size(); i++) {
                if (frames.get(i) == frame) {
                    return i;
                }
            }
            throw new AssertionError("not received: " + frame);
        }

        void assertNoErrors() {
            checkAll();
            assertEquals(List.of(), client.framesOfType("error"), "unexpected error frames");
        }

        /** Checks every frame received since the last call. */
        synchronized void checkAll() {
            List<String> raw = client.rawFrames();
            for (; checked < raw.size(); checked++) {
                checkServerFrame(raw.get(checked));
            }
        }

        @Override
        public void close() {
            try {
                checkAll();
            } finally {
                client.close();
            }
        }

        private static void checkServerFrame(String text) {
            JsonNode frame;
            try {
                frame = STRICT.readTree(text);
            } catch (IOException e) {
                throw new AssertionError("server frame is not one JSON document without duplicate members: " + text, e);
            }
            Set<ValidationMessage> errors = serverFrame.validate(frame);
            assertTrue(errors.isEmpty(), () -> "server frame " + text + " breaks server-frame.schema.json: " + errors);
            String type = frame.path("type").asText();
            Set<String> declared = declaredMembers.get(type);
            frame.fieldNames().forEachRemaining(member -> assertTrue(declared.contains(member),
                    () -> "server frame " + text + " has member " + member + " that " + type + ".schema.json does not declare"));
            if ("event".equals(type)) {
                // the tests publish only valid notifications: data must still be one after the relay
                Set<ValidationMessage> dataErrors = notification.validate(frame.path("data"));
                assertTrue(dataErrors.isEmpty(), () -> "event data is no longer a valid notification: " + dataErrors);
                if (frame.has("traceparent")) {
                    eventsWithTraceparent.incrementAndGet();
                }
            }
            seenTypes.add(type);
            if ("error".equals(type)) {
                seenErrorCodes.add(frame.path("code").asText());
            }
            if (frame.has("reason")) {
                seenReasons.add(frame.path("reason").asText());
            }
            framesChecked.incrementAndGet();
        }

        private static JsonNode parse(String json) {
            try {
                return STRICT.readTree(json);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
