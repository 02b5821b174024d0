package io.notifyrelay.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeDecoderTest {

    static final String EPOCH = "AbCd-123";
    static final ObjectMapper JSON = new ObjectMapper();

    private final EnvelopeDecoder decoder = new EnvelopeDecoder(EPOCH, 4096);

    static RelayEvent accepted(DecodeResult result) {
        DecodeResult.Accepted accepted = assertInstanceOf(DecodeResult.Accepted.class, result,
                () -> "expected the record to be accepted, got " + result);
        return accepted.event();
    }

    static DecodeResult.Rejected rejected(DecodeResult result, RejectReason reason) {
        DecodeResult.Rejected rejected = assertInstanceOf(DecodeResult.Rejected.class, result,
                () -> "expected " + reason + ", got " + result);
        assertEquals(reason, rejected.reason(), rejected::message);
        assertNotNull(rejected.detail());
        return rejected;
    }

    static String notification(String payloadType, String payload) {
        return "{\"payloadType\":\"" + payloadType + "\",\"payload\":" + payload + "}";
    }

    static JsonNode tree(byte[] json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void rejectsNonPositiveMaxValueBytes() {
        assertThrows(IllegalArgumentException.class, () -> new EnvelopeDecoder(EPOCH, 0));
        assertThrows(IllegalArgumentException.class, () -> new EnvelopeDecoder(EPOCH, -1));
    }

    @Nested
    class BinaryMode {

        @Test
        void recordWithAllHeadersIsAccepted() {
            InboundRecord record = TestRecord.binary().build();

            RelayEvent event = accepted(decoder.decode(record));

            assertEquals("evt-1", event.eventId());
            assertEquals("lob-a", event.lobId());
            assertEquals("contact-1", event.contactId());
            assertEquals(PayloadType.CONNECTION_RESPONSE, event.payloadType());
            assertEquals(new Cursor(EPOCH, TestRecord.PARTITION, TestRecord.OFFSET), event.cursor());
            assertEquals(TestRecord.PARTITION, event.partition());
            assertEquals(TestRecord.OFFSET, event.offset());
            assertEquals(TestRecord.TIMESTAMP, event.timestampMs());
            assertArrayEquals(TestRecord.NOTIFICATION.getBytes(UTF_8), event.notification());
        }

        @ParameterizedTest
        @EnumSource(PayloadType.class)
        void everyPayloadTypeIsAccepted(PayloadType type) {
            RelayEvent event = accepted(decoder.decode(
                    TestRecord.binary(notification(type.name(), "{\"x\":1}")).build()));
            assertEquals(type, event.payloadType());
        }

        @Test
        void onlyTheRequiredHeadersAreNeeded() {
            InboundRecord record = TestRecord.bare(TestRecord.NOTIFICATION)
                    .header(CloudEventHeaders.SPEC_VERSION, "1.0")
                    .header(CloudEventHeaders.LOB_ID, "lob-b")
                    .build();
            RelayEvent event = accepted(decoder.decode(record));
            assertEquals("lob-b", event.lobId());
        }

        @Test
        void contentTypeWithoutSpecVersionHeaderIsBinaryMode() {
            InboundRecord record = TestRecord.bare(TestRecord.NOTIFICATION)
                    .header(CloudEventHeaders.CONTENT_TYPE, "application/json")
                    .header(CloudEventHeaders.LOB_ID, "lob-b")
                    .build();
            assertEquals("lob-b", accepted(decoder.decode(record)).lobId());
        }

        @Test
        void notificationBytesAreForwardedByteForByte() {
            String spaced = "{\n  \"payload\" : { \"note\" : \"tab\\there, quote \\\" é 😀\",\n \"n\": 1.50e+3 },\n"
                    + "  \"payloadType\":\t\"ISSUANCE_RESPONSE\"   \n}\n";
            byte[] value = spaced.getBytes(UTF_8);
            RelayEvent event = accepted(decoder.decode(TestRecord.binary().value(value).build()));

            assertArrayEquals(value, event.notification());
            assertEquals(spaced, new String(event.notification(), UTF_8));
            assertEquals(PayloadType.ISSUANCE_RESPONSE, event.payloadType());
        }

        @Test
        void headerValuesAreTrimmed() {
            InboundRecord record = TestRecord.binary()
                    .header(CloudEventHeaders.LOB_ID, "  lob-a \t")
                    .header(CloudEventHeaders.ID, " evt-7 ")
                    .header(CloudEventHeaders.SPEC_VERSION, " 1.0 ")
                    .build();
            RelayEvent event = accepted(decoder.decode(record));
            assertEquals("lob-a", event.lobId());
            assertEquals("evt-7", event.eventId());
        }

        @Test
        void missingKeyIsRejected() {
            rejected(decoder.decode(TestRecord.binary().key((byte[]) null).build()), RejectReason.MISSING_KEY);
        }

        @ParameterizedTest
        @ValueSource(strings = {"", " ", "\t \n"})
        void emptyOrBlankKeyIsRejected(String key) {
            rejected(decoder.decode(TestRecord.binary().key(key).build()), RejectReason.MISSING_KEY);
        }

        @Test
        void keyThatIsNotUtf8IsRejected() {
            InboundRecord record = TestRecord.binary().key(new byte[] {(byte) 0xC3, 0x28}).build();
            rejected(decoder.decode(record), RejectReason.MISSING_KEY);
        }

        @Test
        void keyOrLobIdWithAnEncodedSurrogateIsRejected() {
            byte[] surrogate = {'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80};
            rejected(decoder.decode(TestRecord.binary().key(surrogate).build()), RejectReason.MISSING_KEY);
            InboundRecord record = TestRecord.binary().header(CloudEventHeaders.LOB_ID, surrogate).build();
            rejected(decoder.decode(record), RejectReason.MISSING_LOB_ID);
        }

        @Test
        void unicodeKeyIsTheContactId() {
            RelayEvent event = accepted(decoder.decode(TestRecord.binary().key("kontakt-ü-😀").build()));
            assertEquals("kontakt-ü-😀", event.contactId());
        }

        @Test
        void missingLobIdIsRejected() {
            InboundRecord record = TestRecord.binary().without(CloudEventHeaders.LOB_ID).build();
            rejected(decoder.decode(record), RejectReason.MISSING_LOB_ID);
        }

        @Test
        void blankLobIdIsRejected() {
            InboundRecord record = TestRecord.binary().header(CloudEventHeaders.LOB_ID, "  ").build();
            rejected(decoder.decode(record), RejectReason.MISSING_LOB_ID);
        }

        @ParameterizedTest
        @ValueSource(strings = {"0.3", "1.1", "2.0", "1"})
        void wrongSpecVersionIsRejected(String specVersion) {
            InboundRecord record = TestRecord.binary().header(CloudEventHeaders.SPEC_VERSION, specVersion).build();
            rejected(decoder.decode(record), RejectReason.UNSUPPORTED_SPEC_VERSION);
        }

        @ParameterizedTest
        @ValueSource(strings = {"text/plain", "application/xml", "application/avro", "text/json"})
        void unsupportedContentTypeIsRejected(String contentType) {
            InboundRecord record = TestRecord.binary().header(CloudEventHeaders.CONTENT_TYPE, contentType).build();
            rejected(decoder.decode(record), RejectReason.UNSUPPORTED_CONTENT_TYPE);
        }

        @ParameterizedTest
        @ValueSource(strings = {"application/json; charset=utf-8", "application/json;charset=UTF-8",
                "Application/JSON", " application/json "})
        void contentTypeWithParametersOrOtherCaseIsAccepted(String contentType) {
            InboundRecord record = TestRecord.binary().header(CloudEventHeaders.CONTENT_TYPE, contentType).build();
            accepted(decoder.decode(record));
        }

        @Test
        void valueLargerThanTheLimitIsRejected() {
            byte[] value = TestRecord.NOTIFICATION.getBytes(UTF_8);
            EnvelopeDecoder small = new EnvelopeDecoder(EPOCH, value.length - 1);
            rejected(small.decode(TestRecord.binary().build()), RejectReason.OVERSIZED);
        }

        @Test
        void valueExactlyAtTheLimitIsAccepted() {
            byte[] value = TestRecord.NOTIFICATION.getBytes(UTF_8);
            EnvelopeDecoder exact = new EnvelopeDecoder(EPOCH, value.length);
            accepted(exact.decode(TestRecord.binary().build()));
        }

        @Test
        void emptyOrNullValueIsNotANotification() {
            rejected(decoder.decode(TestRecord.binary().value(new byte[0]).build()), RejectReason.NOT_A_NOTIFICATION);
            rejected(decoder.decode(TestRecord.binary().value((byte[]) null).build()),
                    RejectReason.NOT_A_NOTIFICATION);
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"payloadType\":",
                "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{}",
                "{payloadType:\"CONNECTION_RESPONSE\",\"payload\":{}}",
                "{'payloadType':'CONNECTION_RESPONSE','payload':{}}",
                "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{},}",
                "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"a\":01}}",
                "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"a\":NaN}}",
                "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"a\":\"bad \\q escape\"}}",
                "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"a\":\"raw \u0001 control\"}}",
                "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"a\":[1,2}}"})
        void malformedJsonIsRejected(String value) {
            rejected(decoder.decode(TestRecord.binary(value).build()), RejectReason.MALFORMED_JSON);
        }

        @ParameterizedTest
        @ValueSource(strings = {" x", "{}", "]", "}", ",1", "null", "\"s\""})
        void trailingContentAfterTheObjectIsRejected(String trailing) {
            rejected(decoder.decode(TestRecord.binary(TestRecord.NOTIFICATION + trailing).build()),
                    RejectReason.MALFORMED_JSON);
        }

        @Test
        void trailingWhitespaceIsFine() {
            accepted(decoder.decode(TestRecord.binary(TestRecord.NOTIFICATION + " \r\n\t").build()));
        }

        @ParameterizedTest
        @ValueSource(strings = {"[]", "[{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{}}]", "\"text\"",
                "42", "true", "null", "   "})
        void valueThatIsNotAnObjectIsRejected(String value) {
            rejected(decoder.decode(TestRecord.binary(value).build()), RejectReason.NOT_A_NOTIFICATION);
        }

        @ParameterizedTest
        @ValueSource(strings = {"SOMETHING_ELSE", "connection_response", "CONNECTION_RESPONSE ", ""})
        void unknownPayloadTypeIsRejected(String payloadType) {
            rejected(decoder.decode(TestRecord.binary(notification(payloadType, "{}")).build()),
                    RejectReason.UNKNOWN_PAYLOAD_TYPE);
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"payload\":{}}",
                "{\"payloadType\":7,\"payload\":{}}",
                "{\"payloadType\":null,\"payload\":{}}",
                "{\"payloadType\":[\"CONNECTION_RESPONSE\"],\"payload\":{}}",
                "{\"payload\":{\"payloadType\":\"CONNECTION_RESPONSE\"}}"})
        void missingOrNonStringPayloadTypeIsRejected(String value) {
            rejected(decoder.decode(TestRecord.binary(value).build()), RejectReason.NOT_A_NOTIFICATION);
        }

        @ParameterizedTest
        @ValueSource(strings = {"[1,2]", "\"text\"", "null", "3", "true"})
        void payloadThatIsNotAnObjectIsRejected(String payload) {
            rejected(decoder.decode(TestRecord.binary(notification("VERIFICATION_RESPONSE", payload)).build()),
                    RejectReason.NOT_A_NOTIFICATION);
        }

        @Test
        void missingPayloadIsRejected() {
            rejected(decoder.decode(TestRecord.binary("{\"payloadType\":\"VERIFICATION_RESPONSE\"}").build()),
                    RejectReason.NOT_A_NOTIFICATION);
        }

        @Test
        void invalidUtf8InTheValueIsMalformedJson() {
            ByteArrayOutputStream value = new ByteArrayOutputStream();
            value.writeBytes("{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"name\":\"".getBytes(UTF_8));
            value.write(0xC3);
            value.write(0x28);
            value.writeBytes("\"}}".getBytes(UTF_8));

            rejected(decoder.decode(TestRecord.binary().value(value.toByteArray()).build()),
                    RejectReason.MALFORMED_JSON);
        }

        @Test
        void utf8EncodedSurrogateInTheValueIsMalformedJson() {
            ByteArrayOutputStream value = new ByteArrayOutputStream();
            value.writeBytes("{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"name\":\"".getBytes(UTF_8));
            value.writeBytes(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}); // U+D800 as CESU-8
            value.writeBytes("\"}}".getBytes(UTF_8));

            rejected(decoder.decode(TestRecord.binary().value(value.toByteArray()).build()),
                    RejectReason.MALFORMED_JSON);
        }

        @Test
        void missingEventIdGetsAStableSyntheticId() {
            InboundRecord record = TestRecord.binary().without(CloudEventHeaders.ID)
                    .at("notify.events", 7, 12345L).build();

            RelayEvent first = accepted(decoder.decode(record));
            RelayEvent again = accepted(new EnvelopeDecoder(EPOCH, 4096).decode(record));

            assertEquals("notify.events-7-12345", first.eventId());
            assertEquals(first.eventId(), again.eventId());
        }

        @Test
        void blankEventIdGetsTheSyntheticId() {
            InboundRecord record = TestRecord.binary().header(CloudEventHeaders.ID, " ").build();
            assertEquals(TestRecord.TOPIC + "-" + TestRecord.PARTITION + "-" + TestRecord.OFFSET,
                    accepted(decoder.decode(record)).eventId());
        }

        @Test
        void rejectionNamesTheRecordAndReason() {
            InboundRecord record = TestRecord.binary().without(CloudEventHeaders.LOB_ID)
                    .at("t", 1, 2).build();
            DecodeResult.Rejected rejection = rejected(decoder.decode(record), RejectReason.MISSING_LOB_ID);
            assertSame(record, rejection.record());
            assertTrue(rejection.message().startsWith("MISSING_LOB_ID at t/1@2: "), rejection.message());
        }
    }

    @Nested
    class StructuredMode {

        static final String DATA = "{\"payloadType\":\"VERIFICATION_RESPONSE\","
                + "\"payload\":{\"verified\":true,\"claims\":{\"name\":\"Zoë\"},\"list\":[1,2,3]}}";

        String envelope(String extraAttributes, String data) {
            return "{\"specversion\":\"1.0\",\"id\":\"evt-s1\",\"source\":\"/notify-api\","
                    + "\"type\":\"notify.verification-response\",\"lobid\":\"lob-s\"," + extraAttributes
                    + "\"datacontenttype\":\"application/json\",\"data\":" + data + "}";
        }

        String envelope() {
            return envelope("", DATA);
        }

        TestRecord structured(String value) {
            return TestRecord.bare(value).header(CloudEventHeaders.CONTENT_TYPE, "application/cloudevents+json");
        }

        @Test
        void structuredEnvelopeIsAcceptedAndTheNotificationIsTheData() throws Exception {
            RelayEvent event = accepted(decoder.decode(structured(envelope()).build()));

            assertEquals("evt-s1", event.eventId());
            assertEquals("lob-s", event.lobId());
            assertEquals("contact-1", event.contactId());
            assertEquals(PayloadType.VERIFICATION_RESPONSE, event.payloadType());
            assertEquals(new Cursor(EPOCH, TestRecord.PARTITION, TestRecord.OFFSET), event.cursor());
            assertEquals(tree(DATA.getBytes(UTF_8)), tree(event.notification()));
        }

        @Test
        void contentTypeWithParametersIsStructured() throws Exception {
            InboundRecord record = TestRecord.bare(envelope())
                    .header(CloudEventHeaders.CONTENT_TYPE, "application/cloudevents+json; charset=UTF-8").build();
            assertEquals(tree(DATA.getBytes(UTF_8)), tree(accepted(decoder.decode(record)).notification()));
        }

        @Test
        void structuredModeIsSniffedWhenThereAreNoHeaders() throws Exception {
            RelayEvent event = accepted(decoder.decode(TestRecord.bare(envelope()).build()));
            assertEquals("lob-s", event.lobId());
            assertEquals(tree(DATA.getBytes(UTF_8)), tree(event.notification()));
        }

        @Test
        void plainNotificationWithoutAnyHeadersIsNotANotification() {
            rejected(decoder.decode(TestRecord.bare(TestRecord.NOTIFICATION).build()),
                    RejectReason.NOT_A_NOTIFICATION);
        }

        @Test
        void wrongSpecVersionIsRejected() {
            String value = envelope().replace("\"specversion\":\"1.0\"", "\"specversion\":\"0.3\"");
            rejected(decoder.decode(structured(value).build()), RejectReason.UNSUPPORTED_SPEC_VERSION);
        }

        @Test
        void missingLobIdIsRejected() {
            String value = envelope().replace("\"lobid\":\"lob-s\",", "");
            rejected(decoder.decode(structured(value).build()), RejectReason.MISSING_LOB_ID);
        }

        @Test
        void missingKeyIsRejected() {
            rejected(decoder.decode(structured(envelope()).key((byte[]) null).build()), RejectReason.MISSING_KEY);
        }

        @ParameterizedTest
        @ValueSource(strings = {"[1]", "\"text\"", "null", "42"})
        void dataThatIsNotAnObjectIsRejected(String data) {
            rejected(decoder.decode(structured(envelope("", data)).build()), RejectReason.NOT_A_NOTIFICATION);
        }

        @Test
        void missingDataIsRejected() {
            String value = "{\"specversion\":\"1.0\",\"id\":\"e\",\"lobid\":\"lob-s\"}";
            rejected(decoder.decode(structured(value).build()), RejectReason.NOT_A_NOTIFICATION);
        }

        @Test
        void dataWithUnknownPayloadTypeIsRejected() {
            rejected(decoder.decode(structured(envelope("", notification("NOPE", "{}"))).build()),
                    RejectReason.UNKNOWN_PAYLOAD_TYPE);
        }

        @Test
        void dataWithoutPayloadObjectIsRejected() {
            rejected(decoder.decode(structured(envelope("", "{\"payloadType\":\"ISSUANCE_RESPONSE\"}")).build()),
                    RejectReason.NOT_A_NOTIFICATION);
        }

        @Test
        void envelopeThatIsNotAnObjectIsRejected() {
            rejected(decoder.decode(structured("[" + envelope() + "]").build()), RejectReason.NOT_A_NOTIFICATION);
        }

        @Test
        void malformedEnvelopeIsRejected() {
            rejected(decoder.decode(structured(envelope().substring(0, 40)).build()), RejectReason.MALFORMED_JSON);
        }

        /** Binary mode rejects trailing content after the JSON object; structured mode must not be laxer. */
        @ParameterizedTest
        @ValueSource(strings = {" garbage", "{}", "]"})
        void trailingContentAfterTheEnvelopeIsRejected(String trailing) {
            rejected(decoder.decode(structured(envelope() + trailing).build()), RejectReason.MALFORMED_JSON);
        }

        @Test
        void missingIdGetsTheSyntheticId() {
            String value = envelope().replace("\"id\":\"evt-s1\",", "");
            RelayEvent event = accepted(decoder.decode(structured(value).at("topic-x", 2, 99).build()));
            assertEquals("topic-x-2-99", event.eventId());
        }

        @Test
        void invalidUtf8IsMalformedJson() {
            byte[] good = envelope().getBytes(UTF_8);
            byte[] bad = new byte[good.length + 2];
            int at = envelope().indexOf("Zo");
            System.arraycopy(good, 0, bad, 0, at);
            bad[at] = (byte) 0xC3;
            bad[at + 1] = 0x28;
            System.arraycopy(good, at, bad, at + 2, good.length - at);
            rejected(decoder.decode(structured("x").value(bad).build()), RejectReason.MALFORMED_JSON);
        }

        /**
         * The relay forwards the notification "exactly as the producer wrote it". Structured mode has to
         * re-serialise {@code data}, which must at least not change any value: decimals keep their digits and
         * a number stays a number.
         */
        @Test
        void dataNumbersSurviveUnchanged() throws Exception {
            String data = "{\"payloadType\":\"ISSUANCE_RESPONSE\",\"payload\":"
                    + "{\"amount\":0.10000000000000000000001,\"big\":1e400,\"id\":123456789012345678901234567890}}";
            RelayEvent event = accepted(decoder.decode(structured(envelope("", data)).build()));

            ObjectMapper exact = JsonMapper.builder()
                    .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                    .build();
            assertEquals(exact.readTree(data), exact.readTree(event.notification()),
                    () -> "forwarded data was " + new String(event.notification(), UTF_8));
        }
    }
}
