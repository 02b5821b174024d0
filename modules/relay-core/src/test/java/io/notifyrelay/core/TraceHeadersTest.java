package io.notifyrelay.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The producer's trace context on a record: read, validated, never a reason to reject it. */
class TraceHeadersTest {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private final EnvelopeDecoder decoder = new EnvelopeDecoder("ep0ch", 4096);

    @Test
    void theCloudEventsExtensionIsReadFirstThenThePlainHeader() {
        RelayEvent ce = EnvelopeDecoderTest.accepted(decoder.decode(TestRecord.binary()
                .header("ce_traceparent", TRACEPARENT).header("ce_tracestate", "vendor=x")
                .header("traceparent", "00-11111111111111111111111111111111-2222222222222222-01").build()));
        assertEquals(TRACEPARENT, ce.traceparent());
        assertEquals("vendor=x", ce.tracestate());

        RelayEvent plain = EnvelopeDecoderTest.accepted(decoder.decode(TestRecord.binary()
                .header("traceparent", TRACEPARENT).header("tracestate", "a=b").build()));
        assertEquals(TRACEPARENT, plain.traceparent());
        assertEquals("a=b", plain.tracestate());

        RelayEvent none = EnvelopeDecoderTest.accepted(decoder.decode(TestRecord.binary().build()));
        assertNull(none.traceparent());
        assertNull(none.tracestate());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", // upper case
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero span id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // forbidden version
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\"",
        "",
    })
    void aMalformedTraceparentIsIgnoredAndTheEventStillRelayed(String bad) {
        RelayEvent event = EnvelopeDecoderTest.accepted(decoder.decode(TestRecord.binary()
                .header("ce_traceparent", bad).header("ce_tracestate", "a=b").build()));
        assertNull(event.traceparent());
        assertNull(event.tracestate());
        assertFalse(TraceHeaders.isValid(bad));
    }

    @Test
    void aTracestateThatIsNotPrintableAsciiIsDropped() {
        RelayEvent event = EnvelopeDecoderTest.accepted(decoder.decode(TestRecord.binary()
                .header("ce_traceparent", TRACEPARENT).header("ce_tracestate", "a=\u00e9\n").build()));
        assertEquals(TRACEPARENT, event.traceparent());
        assertNull(event.tracestate());
        assertTrue(TraceHeaders.isValid(TRACEPARENT));
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", TraceHeaders.traceId(TRACEPARENT));
    }
}
