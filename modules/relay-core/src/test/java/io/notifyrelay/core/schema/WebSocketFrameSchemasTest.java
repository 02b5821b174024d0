package io.notifyrelay.core.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The WebSocket frame schemas say exactly what the server sends and accepts (see the server's ServerFrames,
 * ClientFrame and WsSession): these cases pin the edges down, and the schemas, the unions and the README
 * stay in step. relay-it's FrameContractIT checks real frames of a real server against the same files.
 */
class WebSocketFrameSchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path WEBSOCKET = SchemaFiles.SCHEMAS_DIR.resolve("websocket");
    private static final Map<String, JsonSchema> SCHEMAS = new TreeMap<>();

    private static final List<String> SUBSCRIBED_REASONS = List.of("epoch_changed", "bad_cursor", "bad_since",
            "cursor_out_of_range", "no_cursor", "retention", "replay_limit", "replay_busy", "replay_timeout",
            "replay_failed", "resume_unavailable");
    private static final List<String> ERROR_CODES = List.of("bad_frame", "unknown_type", "too_many_subscriptions",
            "resume_in_progress");

    private static JsonSchema schema(String name) {
        return SCHEMAS.computeIfAbsent(name, n -> {
            JsonSchema schema = NotificationSchema.schemaFactory().getSchema(
                    SchemaLocation.of(NotificationSchema.ID_BASE + "websocket/" + n + ".schema.json"),
                    NotificationSchema.validatorsConfig());
            schema.initializeValidators();
            return schema;
        });
    }

    private static Arguments server(boolean valid, String json) {
        return Arguments.of("server-frame", valid, json);
    }

    private static Arguments client(boolean valid, String json) {
        return Arguments.of("client-frame", valid, json);
    }

    static Stream<Arguments> frames() {
        List<Arguments> cases = new ArrayList<>(List.of(
                server(true, "{\"type\":\"welcome\",\"sessionId\":\"s\",\"node\":\"n\",\"heartbeatMs\":25000}"),
                server(true, "{\"type\":\"subscribed\",\"lobWide\":true,\"partitions\":[0,1,2]}"),
                server(true, "{\"type\":\"subscribed\",\"lobWide\":true,\"partitions\":[]}"),
                server(true, "{\"type\":\"subscribed\",\"lobWide\":false,\"contacts\":[\"c\"],\"partitions\":[3]}"),
                server(true, "{\"type\":\"subscribed\",\"lobWide\":false,\"contacts\":[],\"partitions\":[]}"),
                server(true, "{\"type\":\"subscribed\",\"recovered\":true,\"lobWide\":true,\"partitions\":[1]}"),
                server(true, "{\"type\":\"event\",\"id\":\"notify.events-3-17\",\"cursor\":\"c\",\"lobId\":\"l\","
                        + "\"contactId\":\"k\",\"data\":{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{}}}"),
                server(true, "{\"type\":\"moved\",\"contacts\":[\"c\"],\"partitions\":[3],\"url\":\"ws://relay-2:8080/v1/ws\"}"),
                server(true, "{\"type\":\"moved\",\"contacts\":[],\"partitions\":[3,4],\"url\":\"wss://relay-2.example.com/v1/ws\"}"),
                server(true, "{\"type\":\"moved\",\"contacts\":[\"c\"],\"partitions\":[3],\"url\":null}"),
                server(true, "{\"type\":\"unsubscribed\",\"contacts\":[\"c\",\"c\"]}"),
                server(true, "{\"type\":\"token_expiring\",\"expiresAt\":\"2026-01-31T12:00:00Z\",\"refreshWithin\":0}"),
                server(true, "{\"type\":\"pong\"}"),
                server(true, "{\"type\":\"status\",\"kafka\":\"unreachable\"}"),
                server(true, "{\"type\":\"status\",\"kafka\":\"ok\"}"),
                server(false, "{\"type\":\"status\",\"kafka\":\"maybe\"}"),
                server(false, "{\"type\":\"status\"}"),
                server(true, "{\"type\":\"pong\",\"added\":\"later\"}"),

                server(false, "{\"type\":\"hello\"}"),
                server(false, "{\"type\":\"ping\"}"),
                server(false, "{\"type\":\"subscribed\",\"partitions\":[0]}"),
                server(false, "{\"type\":\"subscribed\",\"lobWide\":true,\"contacts\":[\"c\"],\"partitions\":[0]}"),
                server(false, "{\"type\":\"subscribed\",\"lobWide\":false,\"partitions\":[0]}"),
                server(false, "{\"type\":\"subscribed\",\"lobWide\":true,\"partitions\":[-1]}"),
                server(false, "{\"type\":\"subscribed\",\"lobWide\":true,\"partitions\":[1,1]}"),
                server(false, "{\"type\":\"subscribed\",\"recovered\":false,\"lobWide\":true,\"partitions\":[]}"),
                server(false, "{\"type\":\"subscribed\",\"reason\":\"retention\",\"lobWide\":true,\"partitions\":[]}"),
                server(false, "{\"type\":\"subscribed\",\"recovered\":true,\"reason\":\"retention\",\"lobWide\":true,\"partitions\":[]}"),
                server(false, "{\"type\":\"subscribed\",\"recovered\":false,\"reason\":\"lost\",\"lobWide\":true,\"partitions\":[]}"),
                server(false, "{\"type\":\"event\",\"id\":\"e\",\"cursor\":\"c\",\"lobId\":\"l\",\"contactId\":\"k\","
                        + "\"data\":{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":\"{}\"}}"),
                server(false, "{\"type\":\"event\",\"id\":\"e\",\"cursor\":\"\",\"lobId\":\"l\",\"contactId\":\"k\","
                        + "\"data\":{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{}}}"),
                server(false, "{\"type\":\"moved\",\"contacts\":[\"c\"],\"partitions\":[3]}"),
                server(false, "{\"type\":\"moved\",\"contacts\":[\"c\"],\"partitions\":[],\"url\":null}"),
                server(false, "{\"type\":\"moved\",\"partitions\":[3],\"url\":null}"),
                server(false, "{\"type\":\"moved\",\"contacts\":[\"c\"],\"partitions\":[3],\"url\":\"http://relay-2:8080/v1/ws\"}"),
                server(false, "{\"type\":\"unsubscribed\",\"contacts\":[]}"),
                server(false, "{\"type\":\"token_expiring\",\"expiresAt\":\"2026-01-31T12:00:00Z\",\"refreshWithin\":-1}"),
                server(false, "{\"type\":\"token_expiring\",\"expiresAt\":\"2026-01-31T12:00:00Z\",\"refreshWithin\":\"60000\"}"),
                server(false, "{\"type\":\"token_expiring\",\"refreshWithin\":60000}"),
                server(false, "{\"type\":\"error\",\"code\":\"not_authenticated\",\"message\":\"m\"}"),
                server(false, "{\"type\":\"error\",\"code\":\"bad_frame\"}"),

                client(true, "{\"type\":\"auth\",\"token\":\"t\"}"),
                client(true, "{\"type\":\"ping\"}"),
                client(true, "{\"type\":\"ack\",\"ids\":[\"e1\",\"e2\"]}"),
                client(false, "{\"type\":\"ack\",\"ids\":[]}"),
                client(false, "{\"type\":\"ack\"}"),
                client(true, "{\"type\":\"subscribe\",\"ack\":true}"),
                client(false, "{\"type\":\"subscribe\",\"ack\":\"yes\"}"),
                client(true, "{\"type\":\"subscribe\"}"),
                client(true, "{\"type\":\"subscribe\",\"contacts\":null,\"cursors\":null,\"since\":null}"),
                client(true, "{\"type\":\"subscribe\",\"contacts\":[\"c\",\"d\"],\"cursors\":[\"YzE6ZTozOjEw\"]}"),
                client(true, "{\"type\":\"subscribe\",\"cursors\":[]}"),
                client(true, "{\"type\":\"subscribe\",\"since\":\"2026-01-31T12:00:00Z\"}"),
                client(true, "{\"type\":\"unsubscribe\",\"contacts\":[\"c\"]}"),

                client(false, "{\"type\":\"subscribe_all\"}"),
                client(false, "{\"type\":\"pong\"}"),
                client(false, "{\"type\":\"auth\"}"),
                client(false, "{\"type\":\"auth\",\"token\":\"  \"}"),
                client(false, "{\"type\":\"subscribe\",\"contacts\":[]}"),
                client(false, "{\"type\":\"subscribe\",\"contacts\":[\"\"]}"),
                client(false, "{\"type\":\"subscribe\",\"contacts\":\"c\"}"),
                client(false, "{\"type\":\"subscribe\",\"cursors\":[\"\"]}"),
                client(false, "{\"type\":\"subscribe\",\"cursors\":[1]}"),
                client(false, "{\"type\":\"subscribe\",\"cursors\":\"YzE6ZTozOjEw\"}"),
                client(false, "{\"type\":\"subscribe\",\"since\":1769860800000}"),
                client(false, "{\"type\":\"unsubscribe\"}"),
                client(false, "{\"type\":\"unsubscribe\",\"contacts\":[]}")));
        for (String reason : SUBSCRIBED_REASONS) {
            cases.add(server(true, "{\"type\":\"subscribed\",\"recovered\":false,\"reason\":\"" + reason
                    + "\",\"lobWide\":false,\"contacts\":[\"c\"],\"partitions\":[2]}"));
        }
        for (String code : ERROR_CODES) {
            cases.add(server(true, "{\"type\":\"error\",\"code\":\"" + code + "\",\"message\":\"m\"}"));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} valid={1}: {2}")
    @MethodSource("frames")
    void frameIsAcceptedOrRejected(String union, boolean valid, String json) throws IOException {
        Set<ValidationMessage> errors = schema(union).validate(JSON.readTree(json));
        assertEquals(valid, errors.isEmpty(), () -> json + (valid ? " should be valid: " + errors : " should be invalid"));
    }

    @Test
    void theUnionsCoverEveryFrameFileOnceEachAndDispatchOnType() throws IOException {
        Set<String> files = frameFiles();
        Set<String> covered = new HashSet<>();
        for (String union : List.of("client-frame", "server-frame")) {
            JsonNode schema = read(union);
            List<String> types = new ArrayList<>();
            schema.at("/properties/type/enum").forEach(type -> types.add(type.asText()));
            List<String> dispatched = new ArrayList<>();
            for (JsonNode branch : schema.path("allOf")) {
                String type = branch.at("/if/properties/type/const").asText();
                assertEquals(type + ".schema.json", branch.at("/then/$ref").asText(), union + " " + type);
                dispatched.add(type);
            }
            assertEquals(types, dispatched, union + ": one branch per type, in enum order");
            for (String type : types) {
                assertTrue(covered.add(type), type + " is in both directions");
            }
        }
        assertEquals(files, covered, "every frame schema file is in exactly one union");
    }

    @Test
    void eachFrameSchemaIsNamedAfterItsTypeAndRequiresIt() throws IOException {
        for (String frame : frameFiles()) {
            JsonNode schema = read(frame);
            assertEquals(frame, schema.at("/properties/type/const").asText(), frame);
            assertEquals(NotificationSchema.ID_BASE + "websocket/" + frame + ".schema.json", schema.path("$id").asText());
            assertEquals("https://json-schema.org/draft/2020-12/schema", schema.path("$schema").asText());
            List<String> required = new ArrayList<>();
            schema.path("required").forEach(name -> required.add(name.asText()));
            assertTrue(required.contains("type"), frame);
            for (String member : required) {
                assertTrue(schema.path("properties").has(member), frame + " requires undeclared " + member);
            }
            assertFalse(schema.path("description").asText().isBlank(), frame + " has a description");
        }
    }

    @Test
    void enumeratedValuesAreDocumentedOneByOne() throws IOException {
        assertEquals(SUBSCRIBED_REASONS, consts(read("subscribed").at("/properties/reason/oneOf")));
        assertEquals(ERROR_CODES, consts(read("error").at("/properties/code/oneOf")));
    }

    @Test
    void theReadmeDescribesEveryFrameReasonAndErrorCode() throws IOException {
        String readme = Files.readString(SchemaFiles.SCHEMAS_DIR.resolve("README.md"));
        for (String frame : frameFiles()) {
            assertTrue(readme.contains("| `" + frame + "` |"), "README frame table lacks " + frame);
        }
        for (String value : concat(SUBSCRIBED_REASONS, ERROR_CODES)) {
            assertTrue(readme.contains("`" + value + "`"), "README does not mention " + value);
        }
        for (String code : List.of("1001", "1008", "1009", "1012", "1013", "4401", "4403", "4408", "4429", "4503")) {
            assertTrue(readme.contains("| " + code + " |"), "README close codes lack " + code);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static List<String> consts(JsonNode oneOf) {
        List<String> values = new ArrayList<>();
        oneOf.forEach(option -> {
            assertFalse(option.path("description").asText().isBlank(), option.toString());
            values.add(option.path("const").asText());
        });
        return values;
    }

    private static JsonNode read(String frame) throws IOException {
        return JSON.readTree(WEBSOCKET.resolve(frame + ".schema.json").toFile());
    }

    private static Set<String> frameFiles() throws IOException {
        try (Stream<Path> files = Files.list(WEBSOCKET)) {
            Set<String> frames = new HashSet<>();
            files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(".schema.json"))
                    .map(name -> name.substring(0, name.length() - ".schema.json".length()))
                    .filter(name -> !name.endsWith("-frame"))
                    .forEach(frames::add);
            return frames;
        }
    }
}
