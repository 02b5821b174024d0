package io.notifyrelay.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventExpiryTest {

    private final EnvelopeDecoder decoder = new EnvelopeDecoder("E", 4096);

    @Test
    void binaryModeReadsCeExpirytime() {
        RelayEvent event = EnvelopeDecoderTest.accepted(decoder.decode(TestRecord.binary()
                .header(CloudEventHeaders.EXPIRY_TIME, "2030-01-02T03:04:05.250+01:00").build()));

        assertEquals(Instant.parse("2030-01-02T02:04:05.250Z").toEpochMilli(), event.expiresAtMs());
        assertFalse(event.isExpiredAt(event.expiresAtMs() - 1));
        assertTrue(event.isExpiredAt(event.expiresAtMs()));
    }

    @Test
    void structuredModeReadsTheExpirytimeAttribute() {
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"s\",\"type\":\"notify.connection-response\","
                + "\"lobid\":\"lob\",\"expirytime\":\"2030-01-02T03:04:05z\",\"data\":" + TestRecord.NOTIFICATION + "}";
        RelayEvent event = EnvelopeDecoderTest.accepted(decoder.decode(TestRecord.bare(envelope)
                .header(CloudEventHeaders.CONTENT_TYPE, "application/cloudevents+json").build()));

        assertEquals(Instant.parse("2030-01-02T03:04:05Z").toEpochMilli(), event.expiresAtMs());
    }

    @Test
    void withoutExpiryAnEventNeverExpires() {
        RelayEvent event = EnvelopeDecoderTest.accepted(decoder.decode(TestRecord.binary().build()));

        assertEquals(RelayEvent.NO_EXPIRY, event.expiresAtMs());
        assertFalse(event.isExpiredAt(Long.MAX_VALUE - 1));
        assertEquals(RelayEvent.NO_EXPIRY, event.withTraceparent(null, null).expiresAtMs());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomorrow", "2030-01-02", "2030-01-02T03:04:05", "", "1767225600",
            "2030-13-02T03:04:05Z"})
    void anUnreadableExpiryIsDeadLetteredNotGuessed(String value) {
        EnvelopeDecoderTest.rejected(decoder.decode(TestRecord.binary()
                .header(CloudEventHeaders.EXPIRY_TIME, value).build()), RejectReason.INVALID_EXPIRY);
    }

    @Test
    void aStructuredExpiryThatIsNotAStringIsRejected() {
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"s\",\"type\":\"notify.connection-response\","
                + "\"lobid\":\"lob\",\"expirytime\":1767225600,\"data\":" + TestRecord.NOTIFICATION + "}";
        EnvelopeDecoderTest.rejected(decoder.decode(TestRecord.bare(envelope)
                .header(CloudEventHeaders.CONTENT_TYPE, "application/cloudevents+json").build()),
                RejectReason.INVALID_EXPIRY);
    }
}
