package io.notifyrelay.core.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.ValidationMessage;
import io.notifyrelay.core.RejectReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * schemas/asyncapi.yaml must stay consistent with the JSON Schemas it points to: every reference resolves
 * and every example it shows is valid. (jackson-dataformat-yaml comes with json-schema-validator.)
 */
class AsyncApiDocumentTest {

    private static final Path ASYNCAPI = SchemaFiles.SCHEMAS_DIR.resolve("asyncapi.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode document;
    private static JsonSchemaFactory factory;
    private static SchemaValidatorsConfig config;

    @BeforeAll
    static void readDocument() throws IOException {
        document = new YAMLMapper().readTree(ASYNCAPI.toFile());
        factory = NotificationSchema.schemaFactory();
        config = NotificationSchema.validatorsConfig();
    }

    @Test
    void isAnAsyncApi3DocumentWithTheKafkaAndWebSocketChannels() {
        assertEquals("3.0.0", document.path("asyncapi").asText());
        Map<String, String> addressByChannel = Map.of(
                "notifyEvents", "notify.events",
                "deadLetters", "notify.events.dlq",
                "relaySocket", "/v1/ws");
        addressByChannel.forEach((channel, address) ->
                assertEquals(address, document.path("channels").path(channel).path("address").asText(), channel));
        assertEquals("kafka", document.at("/servers/kafka/protocol").asText());
        assertEquals("ws", document.at("/servers/relay/protocol").asText());
    }

    @Test
    void everyReferenceResolves() throws IOException {
        List<String> refs = new ArrayList<>();
        collectRefs(document, refs);
        assertFalse(refs.isEmpty());
        for (String ref : refs) {
            assertFalse(resolve(ref).isMissingNode(), "unresolved $ref " + ref);
        }
    }

    @Test
    void kafkaMessagesDescribeTheCloudEventsBinding() {
        JsonNode binary = document.at("/components/schemas/cloudEventBinaryHeaders");
        Set<String> required = new HashSet<>();
        binary.path("required").forEach(name -> required.add(name.asText()));
        assertEquals(Set.of("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_lobid", "content-type"), required);
        assertTrue(binary.at("/properties/ce_time").isObject(), "ce_time is documented as optional");
        assertEquals("./notification.schema.json", document.at("/components/messages/notification/payload/$ref").asText());
        assertEquals("./cloudevent-structured.schema.json",
                document.at("/components/messages/notificationStructured/payload/$ref").asText());
        assertEquals("#/components/schemas/contactIdKey",
                document.at("/components/messages/notification/bindings/kafka/key/$ref").asText());
    }

    @Test
    void kafkaChannelSaysWhichPartitionersTheRelayMatches() {
        String description = document.at("/channels/notifyEvents/description").asText();
        for (String expected : List.of("RELAY_PARTITIONER", "murmur2", "consistent_random", "deadLetters")) {
            assertTrue(description.contains(expected), expected);
        }
    }

    @Test
    void deadLetterChannelDocumentsItsHeadersAndEveryRejectReason() {
        assertEquals("send", document.at("/operations/sendDeadLetters/action").asText());
        assertEquals("#/channels/deadLetters", document.at("/operations/sendDeadLetters/channel/$ref").asText());
        assertEquals("#/components/messages/deadLetter", document.at("/channels/deadLetters/messages/deadLetter/$ref").asText());
        JsonNode headers = document.at("/components/schemas/deadLetterHeaders");
        Set<String> required = new HashSet<>();
        headers.path("required").forEach(name -> required.add(name.asText()));
        // the header names of relay-kafka's DeadLetterQueue
        assertEquals(Set.of("dlq_original_topic", "dlq_original_partition", "dlq_original_offset",
                "dlq_original_timestamp", "dlq_reason", "dlq_detail", "dlq_node", "dlq_time"), required);
        assertEquals(required, fieldNames(headers.path("properties")));
        Set<String> reasons = new HashSet<>();
        headers.at("/properties/dlq_reason/oneOf").forEach(option -> reasons.add(option.path("const").asText()));
        Set<String> rejectReasons = new HashSet<>();
        for (RejectReason reason : RejectReason.values()) {
            rejectReasons.add(reason.name());
        }
        assertEquals(rejectReasons, reasons, "dlq_reason lists exactly the RejectReason names");
    }

    @Test
    void closeCodesAreDocumented() {
        JsonNode channel = document.at("/channels/relaySocket");
        // io.notifyrelay.websocket.CloseCodes (relay-it's FrameContractIT checks that list against the class)
        List<String> codes = List.of("1001", "1008", "1009", "1012", "1013", "4401", "4403", "4408", "4429", "4503");
        for (String code : codes) {
            assertTrue(channel.path("description").asText().contains("| " + code + " |"), code);
            assertTrue(channel.path("x-close-codes").has(code), code);
        }
        assertEquals(new HashSet<>(codes), fieldNames(channel.path("x-close-codes")));
    }

    @Test
    void everyFrameIsOnTheChannelAndInTheOperationOfItsDirection() throws IOException {
        JsonNode channelMessages = document.at("/channels/relaySocket/messages");
        Map<String, String> operationByUnion = Map.of("client-frame", "receiveClientFrames", "server-frame", "sendServerFrames");
        Set<String> all = new HashSet<>();
        for (Map.Entry<String, String> entry : operationByUnion.entrySet()) {
            JsonNode union = JSON.readTree(SchemaFiles.SCHEMAS_DIR.resolve("websocket/" + entry.getKey() + ".schema.json").toFile());
            Set<String> types = new HashSet<>();
            union.at("/properties/type/enum").forEach(type -> types.add(type.asText()));
            Set<String> inOperation = new HashSet<>();
            document.at("/operations/" + entry.getValue() + "/messages")
                    .forEach(ref -> inOperation.add(ref.path("$ref").asText().replace("#/channels/relaySocket/messages/", "")));
            assertEquals(types, inOperation, entry.getValue());
            for (String type : types) {
                assertEquals("#/components/messages/" + type, channelMessages.path(type).path("$ref").asText(), type);
            }
            all.addAll(types);
        }
        assertEquals(all, fieldNames(channelMessages), "the channel has no message of neither direction");
    }

    @Test
    void everyWebSocketFrameSchemaIsUsedByAMessageOfTheSameName() throws IOException {
        JsonNode messages = document.at("/components/messages");
        try (Stream<Path> files = Files.list(SchemaFiles.SCHEMAS_DIR.resolve("websocket"))) {
            List<String> frames = files.map(f -> f.getFileName().toString().replace(".schema.json", ""))
                    .filter(name -> !name.endsWith("-frame")).sorted().toList();
            assertEquals(14, frames.size(), frames::toString);
            for (String frame : frames) {
                assertEquals("./websocket/" + frame + ".schema.json", messages.path(frame).at("/payload/$ref").asText(), frame);
                assertEquals(frame, messages.path(frame).path("name").asText());
            }
        }
    }

    @Test
    void everyMessageExampleMatchesItsSchemas() throws IOException {
        int checked = 0;
        for (Map.Entry<String, JsonNode> message : document.at("/components/messages").properties()) {
            JsonNode examples = message.getValue().path("examples");
            assertTrue(examples.size() > 0, message.getKey() + " has no example");
            for (JsonNode example : examples) {
                assertValid(message.getKey() + " payload", message.getValue().path("payload"), example.path("payload"));
                if (example.has("headers")) {
                    assertValid(message.getKey() + " headers", message.getValue().path("headers"), example.path("headers"));
                }
                checked++;
            }
        }
        assertTrue(checked >= 29, "examples checked: " + checked);
    }

    @Test
    void frameSchemasRejectWhatTheProtocolForbids() throws IOException {
        JsonSchema clientFrame = frameSchema("client-frame");
        JsonSchema serverFrame = frameSchema("server-frame");

        assertTrue(clientFrame.validate(JSON.readTree("{\"type\":\"subscribe\"}")).isEmpty());
        assertFalse(clientFrame.validate(JSON.readTree("{\"type\":\"subscribe\",\"contacts\":[]}")).isEmpty(),
                "an empty contact list is ambiguous");
        assertFalse(clientFrame.validate(JSON.readTree("{\"type\":\"unsubscribe\"}")).isEmpty());
        assertFalse(clientFrame.validate(JSON.readTree("{\"type\":\"auth\"}")).isEmpty());
        assertFalse(clientFrame.validate(JSON.readTree("{\"type\":\"welcome\"}")).isEmpty(), "server frame sent by client");
        assertFalse(serverFrame.validate(JSON.readTree(
                "{\"type\":\"event\",\"id\":\"e\",\"cursor\":\"c\",\"lobId\":\"l\",\"contactId\":\"k\","
                        + "\"data\":{\"payloadType\":\"NOPE\",\"payload\":{}}}")).isEmpty(),
                "event data must be a notification");
        assertFalse(serverFrame.validate(JSON.readTree("{\"type\":\"welcome\",\"sessionId\":\"s\",\"node\":\"n\"}")).isEmpty());
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> names = new HashSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonSchema frameSchema(String name) {
        return factory.getSchema(SchemaLocation.of(NotificationSchema.ID_BASE + "websocket/" + name + ".schema.json"), config);
    }

    private static void assertValid(String what, JsonNode schemaOrRef, JsonNode instance) throws IOException {
        JsonSchema schema;
        String ref = schemaOrRef.path("$ref").asText("");
        if (ref.startsWith("./")) {
            schema = factory.getSchema(SchemaLocation.of(NotificationSchema.ID_BASE + ref.substring(2)), config);
        } else {
            JsonNode inline = ref.isEmpty() ? schemaOrRef : resolve(ref);
            schema = factory.getSchema(inline, config);
        }
        Set<ValidationMessage> errors = schema.validate(instance);
        assertTrue(errors.isEmpty(), () -> what + " example is invalid: " + errors);
    }

    private static JsonNode resolve(String ref) throws IOException {
        int hash = ref.indexOf('#');
        String file = hash < 0 ? ref : ref.substring(0, hash);
        String fragment = hash < 0 ? "" : ref.substring(hash + 1);
        JsonNode target = document;
        if (!file.isEmpty()) {
            Path path = SchemaFiles.SCHEMAS_DIR.resolve(file).normalize();
            if (!Files.isRegularFile(path)) {
                return JSON.missingNode();
            }
            target = JSON.readTree(path.toFile());
        }
        return fragment.isEmpty() ? target : target.at(JsonPointer.compile(fragment));
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.properties().forEach(field -> {
                if (field.getKey().equals("$ref") && field.getValue().isTextual()) {
                    refs.add(field.getValue().asText());
                } else {
                    collectRefs(field.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectRefs(child, refs));
        }
    }
}
