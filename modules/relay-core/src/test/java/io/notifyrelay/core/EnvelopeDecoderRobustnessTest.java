package io.notifyrelay.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The decoder must answer every record with a result and never throw, whatever the bytes: one bad record
 * must not stop the consumer. Inputs are random but reproducible (fixed seeds).
 *
 * <p>The decoder wraps itself in a catch-all that turns a RuntimeException into a rejection whose detail
 * starts with {@code "unexpected "}; that path means a decoder bug, so it is treated as a failure here.
 */
class EnvelopeDecoderRobustnessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] VALID_TEMPLATES = {
        TestRecord.NOTIFICATION,
        "{\"payloadType\":\"ISSUANCE_RESPONSE\",\"payload\":{\"a\":[1,{\"b\":null}],\"s\":\"é😀\\n\"}}",
        "{\"payload\":{},\"payloadType\":\"VERIFICATION_RESPONSE\",\"extra\":true}",
        "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"lobid\":\"lob-a\",\"data\":" + TestRecord.NOTIFICATION + "}",
        "{\"specversion\":\"1.0\",\"lobid\":\"lob-z\",\"data\":{\"payloadType\":\"ISSUANCE_RESPONSE\",\"payload\":{}}}",
    };
    private static final String[] HEADER_NAMES = {
        CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.ID, CloudEventHeaders.LOB_ID,
        CloudEventHeaders.CONTENT_TYPE, CloudEventHeaders.TYPE, CloudEventHeaders.SOURCE,
    };
    private static final String[] HEADER_VALUES = {
        "1.0", "0.3", "", " ", "lob-a", "evt-9", "application/json", "application/cloudevents+json",
        "application/json; charset=utf-8", "application/cloudevents+json;charset=UTF-8", "text/plain", ";", "é",
    };

    private final EnvelopeDecoder decoder = new EnvelopeDecoder("ep0ch", 2048);

    @Test
    void randomBytesAndRandomHeadersAlwaysGiveAResult() {
        Random random = new Random(0x5EEDL);
        Map<RejectReason, Integer> reasons = new EnumMap<>(RejectReason.class);
        int acceptedCount = 0;
        for (int i = 0; i < 600; i++) {
            InboundRecord record = new InboundRecord("notify.events", random.nextInt(64), random.nextInt(1_000_000),
                    random.nextLong(), randomKey(random), randomHeaders(random), randomValue(random));
            DecodeResult result = decodeChecked(record, "case " + i);
            if (result instanceof DecodeResult.Rejected rejected) {
                reasons.merge(rejected.reason(), 1, Integer::sum);
            } else {
                acceptedCount++;
            }
        }
        // the generator must reach deep into the decoder, not just bounce off the first check
        assertTrue(acceptedCount >= 10, "accepted only " + acceptedCount);
        assertTrue(reasons.keySet().size() >= 6, "reasons reached: " + reasons);
    }

    @Test
    void mutatedValidRecordsAlwaysGiveAResult() {
        Random random = new Random(20_250_101L);
        int acceptedCount = 0;
        for (int i = 0; i < 600; i++) {
            byte[] value = mutate(random, VALID_TEMPLATES[random.nextInt(VALID_TEMPLATES.length)].getBytes(UTF_8));
            TestRecord builder = random.nextBoolean() ? TestRecord.binary().value(value) : TestRecord.bare(value);
            if (random.nextInt(4) == 0) {
                builder.header(CloudEventHeaders.CONTENT_TYPE, "application/cloudevents+json");
            }
            if (decodeChecked(builder.build(), "mutation " + i) instanceof DecodeResult.Accepted) {
                acceptedCount++;
            }
        }
        assertTrue(acceptedCount > 0, "no mutation survived; the test is not reaching the accept path");
    }

    @Test
    void deeplyNestedJsonIsRejectedNotThrown() {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        String value = "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"d\":" + deep + "}}";
        EnvelopeDecoder roomy = new EnvelopeDecoder("e", 1 << 20);
        assertNotNull(roomy.decode(TestRecord.binary(value).build()));
        String structured = "{\"specversion\":\"1.0\",\"lobid\":\"l\",\"data\":" + value + "}";
        DecodeResult result = roomy.decode(TestRecord.bare(structured).build());
        assertNotNull(result);
        if (result instanceof DecodeResult.Rejected rejected) {
            assertFalse(rejected.detail().startsWith("unexpected "), rejected::message);
        }
    }

    private DecodeResult decodeChecked(InboundRecord record, String label) {
        DecodeResult result;
        try {
            result = decoder.decode(record);
        } catch (Throwable t) {
            throw new AssertionError(label + ": decoder threw", t);
        }
        assertNotNull(result, label);
        if (result instanceof DecodeResult.Rejected rejected) {
            assertSame(record, rejected.record(), label);
            assertNotNull(rejected.reason(), label);
            assertNotNull(rejected.detail(), label);
            assertFalse(rejected.detail().startsWith("unexpected "),
                    () -> label + ": the decoder hit its catch-all: " + rejected.message());
        } else {
            checkAccepted(((DecodeResult.Accepted) result).event(), record, label);
        }
        return result;
    }

    /** What every accepted event must satisfy, checked independently of the decoder's own scan. */
    private static void checkAccepted(RelayEvent event, InboundRecord record, String label) {
        assertFalse(event.lobId().isBlank(), label);
        assertFalse(event.contactId().isBlank(), label);
        assertFalse(event.eventId().isBlank(), label);
        assertEquals(record.partition(), event.partition(), label);
        assertEquals(record.offset(), event.offset(), label);
        assertTrue(EnvelopeDecoder.isValidUtf8(event.notification()), label);
        JsonNode notification;
        try {
            notification = JSON.readTree(event.notification());
        } catch (Exception e) {
            fail(label + ": accepted notification is not JSON: " + new String(event.notification(), UTF_8), e);
            return;
        }
        assertTrue(notification.isObject(), label);
        assertEquals(event.payloadType().name(), notification.path("payloadType").asText(), label);
        assertTrue(notification.path("payload").isObject(), label);
    }

    private static byte[] randomKey(Random random) {
        switch (random.nextInt(5)) {
            case 0:
                return null;
            case 1:
                return randomBytes(random, 12);
            default:
                return ("contact-" + random.nextInt(100)).getBytes(UTF_8);
        }
    }

    private static Map<String, byte[]> randomHeaders(Random random) {
        Map<String, byte[]> headers = new LinkedHashMap<>();
        int count = random.nextInt(HEADER_NAMES.length + 1);
        for (int i = 0; i < count; i++) {
            String name = HEADER_NAMES[random.nextInt(HEADER_NAMES.length)];
            byte[] value = random.nextInt(6) == 0
                    ? randomBytes(random, 10)
                    : HEADER_VALUES[random.nextInt(HEADER_VALUES.length)].getBytes(UTF_8);
            headers.put(name, value);
        }
        if (random.nextBoolean()) {
            headers.put(CloudEventHeaders.SPEC_VERSION, "1.0".getBytes(UTF_8));
            headers.put(CloudEventHeaders.LOB_ID, "lob-a".getBytes(UTF_8));
        }
        return headers;
    }

    private static byte[] randomValue(Random random) {
        switch (random.nextInt(4)) {
            case 0:
                return random.nextInt(10) == 0 ? null : randomBytes(random, 300);
            case 1:
                return randomJsonish(random);
            default:
                return mutate(random, VALID_TEMPLATES[random.nextInt(VALID_TEMPLATES.length)].getBytes(UTF_8));
        }
    }

    private static byte[] randomBytes(Random random, int maxLength) {
        byte[] bytes = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Strings built from JSON punctuation and fragments, so the parser gets past its first byte. */
    private static byte[] randomJsonish(Random random) {
        String[] pieces = {"{", "}", "[", "]", ":", ",", "\"", "\\", "payloadType", "payload", "data", "specversion",
            "\"1.0\"", "\"CONNECTION_RESPONSE\"", "null", "true", "1e999", "-0", " ", "\\u00", "\\ud800", "é", "\u0000"};
        StringBuilder out = new StringBuilder();
        int n = random.nextInt(40);
        for (int i = 0; i < n; i++) {
            out.append(pieces[random.nextInt(pieces.length)]);
        }
        return out.toString().getBytes(UTF_8);
    }

    /** Flips, drops, duplicates or inserts a few bytes; sometimes leaves the value intact. */
    private static byte[] mutate(Random random, byte[] original) {
        List<Byte> bytes = new ArrayList<>(original.length + 8);
        for (byte b : original) {
            bytes.add(b);
        }
        int mutations = random.nextInt(4);
        for (int m = 0; m < mutations && !bytes.isEmpty(); m++) {
            int at = random.nextInt(bytes.size());
            switch (random.nextInt(4)) {
                case 0:
                    bytes.set(at, (byte) random.nextInt(256));
                    break;
                case 1:
                    bytes.remove(at);
                    break;
                case 2:
                    bytes.add(at, bytes.get(at));
                    break;
                default:
                    bytes.subList(at, bytes.size()).clear();
                    break;
            }
        }
        byte[] result = new byte[bytes.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = bytes.get(i);
        }
        return result;
    }
}
