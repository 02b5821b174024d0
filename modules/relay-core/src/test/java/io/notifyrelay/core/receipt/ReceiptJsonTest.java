package io.notifyrelay.core.receipt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReceiptJsonTest {

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper READER = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"plain-id_1", "", "quote\"d", "back\\slash", "new\nline\ttab\r", "ctl\u0000\u0001\u001f\u007f",
            "caf\u00e9 \u00fc\u00df", "\u4e2d\u6587", "emoji \ud83d\ude00 pair", "sep\u2028\u2029", "</script>", "~ !#$%&'()*+,-./:;<=>?@[]^`{|}"})
    void encodesEveryStringExactlyAsJacksonsGenerator(String awkward) throws IOException {
        for (ReceiptOutcome outcome : ReceiptOutcome.values()) {
            Receipt receipt = new Receipt(awkward, "lob-" + awkward, awkward + "-contact", outcome, 3,
                    "node " + awkward, 11, 4_294_967_296L, 1_700_000_000_123L);
            String ours = new String(receipt.toJson(), StandardCharsets.UTF_8);
            assertEquals(READER.readTree(jackson(receipt)), READER.readTree(ours));
            if (awkward.chars().noneMatch(c -> Character.isSurrogate((char) c))) {
                assertEquals(jackson(receipt), ours);
            } // else the generator escapes a surrogate pair as two six-character escapes; we write its 4 UTF-8 bytes
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 9, 10, 99, 100, 999_999, 1_000_000, Integer.MAX_VALUE, 999_999_999_999_999_999L,
            Long.MAX_VALUE, -1, -10, Long.MIN_VALUE})
    void encodesNumbersAtEveryDigitCountAsJacksonDoes(long number) throws IOException {
        int small = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, number));
        Receipt receipt = new Receipt("e", "l", "c", ReceiptOutcome.DELIVERED, small, "n", small, number, 0);
        assertEquals(jackson(receipt), new String(receipt.toJson(), StandardCharsets.UTF_8));
    }

    /** The generator the value was written with before (the reference). */
    private static String jackson(Receipt receipt) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("eventId", receipt.eventId());
            json.writeStringField("lobId", receipt.lobId());
            json.writeStringField("contactId", receipt.contactId());
            json.writeStringField("outcome", receipt.outcome().wireName());
            json.writeNumberField("sessions", receipt.sessions());
            json.writeStringField("node", receipt.node());
            json.writeNumberField("partition", receipt.partition());
            json.writeNumberField("offset", receipt.offset());
            json.writeStringField("at", Instant.ofEpochMilli(receipt.atMs()).toString());
            json.writeEndObject();
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
