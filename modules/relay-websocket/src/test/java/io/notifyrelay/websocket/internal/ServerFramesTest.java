package io.notifyrelay.websocket.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.core.InboundRecord;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerFramesTest {

    /** Strict: fails on trailing tokens and duplicate keys, which a lenient parse would let through. */
    static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    static JsonNode parse(byte[] frame) {
        assertDoesNotThrow(() -> UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(frame)), "frame is not UTF-8");
        return assertDoesNotThrow(() -> STRICT.readTree(frame), () -> "not JSON: " + new String(frame, UTF_8));
    }

    static JsonNode parse(String frame) {
        return parse(frame.getBytes(UTF_8));
    }

    static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    static final String NOTIFICATION = "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"state\":\"active\"}}";

    static RelayEvent event(String id, String lob, String contact, String notification) {
        return new RelayEvent(id, lob, contact, PayloadType.CONNECTION_RESPONSE, new Cursor("ep0ch", 3, 1234), 0L,
                notification.getBytes(UTF_8));
    }

    @Nested
    class EventFrame {

        @Test
        void eventFrameCarriesTheEnvelopeAndTheNotification() throws Exception {
            RelayEvent event = event("evt-1", "lob-a", "contact-1", NOTIFICATION);

            JsonNode frame = parse(ServerFrames.EVENT_ENCODER.apply(event));

            assertEquals(Set.of("type", "id", "cursor", "lobId", "contactId", "data"), fieldNames(frame));
            assertEquals("event", frame.get("type").textValue());
            assertEquals("evt-1", frame.get("id").textValue());
            assertEquals(event.cursor().encode(), frame.get("cursor").textValue());
            assertEquals(Cursor.decode(frame.get("cursor").textValue()).orElseThrow(), event.cursor());
            assertEquals("lob-a", frame.get("lobId").textValue());
            assertEquals("contact-1", frame.get("contactId").textValue());
            assertEquals(STRICT.readTree(NOTIFICATION), frame.get("data"));
        }

        @Test
        void aTraceparentIsOfferedBeforeTheData() throws Exception {
            String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            RelayEvent event = event("evt-1", "lob-a", "contact-1", NOTIFICATION).withTraceparent(traceparent, null);

            byte[] bytes = ServerFrames.EVENT_ENCODER.apply(event);
            JsonNode frame = parse(bytes);

            assertEquals(Set.of("type", "id", "cursor", "lobId", "contactId", "traceparent", "data"), fieldNames(frame));
            assertEquals(traceparent, frame.get("traceparent").textValue());
            assertEquals(STRICT.readTree(NOTIFICATION), frame.get("data"));
            assertEquals('}', bytes[bytes.length - 1], "an exact-size array: no padding after the frame");
        }

        @ParameterizedTest
        @ValueSource(strings = {
            "plain",
            "with \"quotes\"",
            "back\\slash\\",
            "\\\"",
            "new\nline\r\ttab\b\f",
            "control \u0000 \u0001 \u001f \u007f",
            "unicode é ñ 漢字 😀",
            "line separators \u2028 \u2029",
            "</script><!--",
            "{\"json\":\"inside\"}",
            "",
        })
        void idsAreEscapedProperly(String text) {
            RelayEvent event = event(text, "lob " + text, "contact " + text, NOTIFICATION);

            JsonNode frame = parse(ServerFrames.EVENT_ENCODER.apply(event));

            assertEquals(text, frame.get("id").textValue());
            assertEquals("lob " + text, frame.get("lobId").textValue());
            assertEquals("contact " + text, frame.get("contactId").textValue());
            assertEquals("event", frame.get("type").textValue());
        }

        @Test
        void notificationBytesAreEmbeddedVerbatim() throws Exception {
            String spaced = "{\n  \"payloadType\" : \"ISSUANCE_RESPONSE\",\n  \"payload\" : { \"a\" : [ 1, 2 ],"
                    + " \"s\" : \"é \\\"q\\\" \\u00e9\" }\n}";
            RelayEvent event = event("e", "l", "c", spaced);

            byte[] frame = ServerFrames.EVENT_ENCODER.apply(event);
            String text = new String(frame, UTF_8);

            assertTrue(text.endsWith(",\"data\":" + spaced + "}"), text);
            assertEquals(STRICT.readTree(spaced), parse(frame).get("data"));
        }

        @Test
        void encodingIsSharedThroughTheEvent() {
            RelayEvent event = event("e", "l", "c", NOTIFICATION);
            byte[] first = event.encoded(ServerFrames.EVENT_ENCODER);
            assertTrue(first == event.encoded(ServerFrames.EVENT_ENCODER), "each session must get the same bytes");
            assertArrayEquals(ServerFrames.EVENT_ENCODER.apply(event), first);
        }

        /**
         * A structured-mode envelope may carry {@code "id": "\ud800"}: legal JSON escaping a lone surrogate. Whatever
         * the decoder does with it, an accepted event must be encodable, or delivering it throws on the consumer
         * thread and no session gets it.
         */
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "\\ud800|lob-a",
            "a\\udc00b|lob-a",
            "e1|lob-\\ud83d",
        })
        void anyEventTheDecoderAcceptsCanBeEncoded(String id, String lobId) {
            String envelope = "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"lobid\":\"" + lobId + "\",\"data\":"
                    + NOTIFICATION + "}";
            InboundRecord record = new InboundRecord("notify.events", 0, 5, 0, "contact-1".getBytes(UTF_8),
                    Map.of("content-type", "application/cloudevents+json".getBytes(UTF_8)), envelope.getBytes(UTF_8));

            DecodeResult result = new EnvelopeDecoder("ep0ch", 4096).decode(record);

            if (result instanceof DecodeResult.Accepted accepted) {
                byte[] frame = assertDoesNotThrow(() -> ServerFrames.EVENT_ENCODER.apply(accepted.event()));
                parse(frame);
            }
        }
    }

    @Nested
    class ControlFrames {

        @Test
        void welcome() {
            JsonNode frame = parse(ServerFrames.welcome("sess-\"1\"", "node-a", 25_000));
            assertEquals(Set.of("type", "sessionId", "node", "heartbeatMs"), fieldNames(frame));
            assertEquals("welcome", frame.get("type").textValue());
            assertEquals("sess-\"1\"", frame.get("sessionId").textValue());
            assertEquals("node-a", frame.get("node").textValue());
            assertTrue(frame.get("heartbeatMs").isIntegralNumber());
            assertEquals(25_000L, frame.get("heartbeatMs").longValue());
        }

        @Test
        void subscribedToContacts() {
            JsonNode frame = parse(ServerFrames.subscribed(List.of("c2", "c\"1"), new TreeSet<>(Set.of(4, 1))));
            assertEquals("subscribed", frame.get("type").textValue());
            assertFalse(frame.get("lobWide").booleanValue());
            assertEquals(STRICT.valueToTree(List.of("c2", "c\"1")), frame.get("contacts"));
            assertEquals(STRICT.valueToTree(List.of(1, 4)), frame.get("partitions"));
        }

        @Test
        void subscribedToTheWholeLob() {
            JsonNode frame = parse(ServerFrames.subscribed(null, List.of(0, 2)));
            assertEquals("subscribed", frame.get("type").textValue());
            assertTrue(frame.get("lobWide").booleanValue());
            assertTrue(frame.path("contacts").isMissingNode() || frame.path("contacts").isNull(), frame::toString);
            assertEquals(STRICT.valueToTree(List.of(0, 2)), frame.get("partitions"));
        }

        @Test
        void subscribedWithNoPartitionsHere() {
            JsonNode frame = parse(ServerFrames.subscribed(List.of("c1"), List.of()));
            assertTrue(frame.get("partitions").isArray());
            assertEquals(0, frame.get("partitions").size());
        }

        @Test
        void unsubscribed() {
            JsonNode frame = parse(ServerFrames.unsubscribed(List.of("c1", "c\\2")));
            assertEquals(Set.of("type", "contacts"), fieldNames(frame));
            assertEquals("unsubscribed", frame.get("type").textValue());
            assertEquals(STRICT.valueToTree(List.of("c1", "c\\2")), frame.get("contacts"));
        }

        @Test
        void movedWithAndWithoutAKnownOwner() {
            JsonNode known = parse(ServerFrames.moved(List.of("c1"), List.of(3), "ws://relay-2:8080/v1/ws"));
            assertEquals("moved", known.get("type").textValue());
            assertEquals(STRICT.valueToTree(List.of("c1")), known.get("contacts"));
            assertEquals(STRICT.valueToTree(List.of(3)), known.get("partitions"));
            assertEquals("ws://relay-2:8080/v1/ws", known.get("url").textValue());

            JsonNode unknown = parse(ServerFrames.moved(List.of(), List.of(5, 6), null));
            assertTrue(unknown.get("url").isNull());
            assertEquals(0, unknown.get("contacts").size());
        }

        @Test
        void error() {
            JsonNode frame = parse(ServerFrames.error("bad_frame", "frame is not \"JSON\"\n\u0001"));
            assertEquals(Set.of("type", "code", "message"), fieldNames(frame));
            assertEquals("error", frame.get("type").textValue());
            assertEquals("bad_frame", frame.get("code").textValue());
            assertEquals("frame is not \"JSON\"\n\u0001", frame.get("message").textValue());
        }

        @Test
        void pong() {
            JsonNode frame = parse(ServerFrames.pong());
            assertEquals(Set.of("type"), fieldNames(frame));
            assertEquals("pong", frame.get("type").textValue());
        }
    }
}
