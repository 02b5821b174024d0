package io.notifyrelay.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RelayEventTest {

    private static final Cursor CURSOR = new Cursor("epoch", 4, 77);
    private static final byte[] NOTIFICATION = TestRecord.NOTIFICATION.getBytes(UTF_8);

    private static RelayEvent event() {
        return new RelayEvent("evt-1", "lob-a", "contact-1", PayloadType.CONNECTION_RESPONSE, CURSOR, 1234L,
                NOTIFICATION);
    }

    @Test
    void exposesItsParts() {
        RelayEvent event = event();
        assertEquals("evt-1", event.eventId());
        assertEquals("lob-a", event.lobId());
        assertEquals("contact-1", event.contactId());
        assertEquals(PayloadType.CONNECTION_RESPONSE, event.payloadType());
        assertSame(CURSOR, event.cursor());
        assertEquals(4, event.partition());
        assertEquals(77L, event.offset());
        assertEquals(1234L, event.timestampMs());
        assertSame(NOTIFICATION, event.notification());
        assertTrue(event.toString().contains("evt-1"));
    }

    @Test
    void encodingIsComputedOnceAndSharedPerEncoder() {
        AtomicInteger calls = new AtomicInteger();
        Function<RelayEvent, byte[]> encoder = e -> {
            calls.incrementAndGet();
            return ("frame:" + e.eventId()).getBytes(UTF_8);
        };
        RelayEvent event = event();

        byte[] first = event.encoded(encoder);
        byte[] second = event.encoded(encoder);
        byte[] third = event.encoded(encoder);

        assertSame(first, second);
        assertSame(first, third);
        assertEquals(1, calls.get());
        assertArrayEquals("frame:evt-1".getBytes(UTF_8), first);
    }

    @Test
    void anotherEncoderGetsItsOwnEncoding() {
        RelayEvent event = event();
        Function<RelayEvent, byte[]> a = e -> new byte[] {1};
        Function<RelayEvent, byte[]> b = e -> new byte[] {2};

        assertArrayEquals(new byte[] {1}, event.encoded(a));
        assertArrayEquals(new byte[] {2}, event.encoded(b));
        assertArrayEquals(new byte[] {2}, event.encoded(b));
    }

    @Test
    void eachEventHasItsOwnMemo() {
        AtomicInteger calls = new AtomicInteger();
        Function<RelayEvent, byte[]> encoder = e -> {
            calls.incrementAndGet();
            return e.eventId().getBytes(UTF_8);
        };
        event().encoded(encoder);
        event().encoded(encoder);
        assertEquals(2, calls.get());
    }

    @Test
    void requiredPartsMustNotBeNull() {
        PayloadType type = PayloadType.CONNECTION_RESPONSE;
        assertThrows(NullPointerException.class, () -> new RelayEvent(null, "l", "c", type, CURSOR, 0, NOTIFICATION));
        assertThrows(NullPointerException.class, () -> new RelayEvent("e", null, "c", type, CURSOR, 0, NOTIFICATION));
        assertThrows(NullPointerException.class, () -> new RelayEvent("e", "l", null, type, CURSOR, 0, NOTIFICATION));
        assertThrows(NullPointerException.class, () -> new RelayEvent("e", "l", "c", null, CURSOR, 0, NOTIFICATION));
        assertThrows(NullPointerException.class, () -> new RelayEvent("e", "l", "c", type, null, 0, NOTIFICATION));
        assertThrows(NullPointerException.class, () -> new RelayEvent("e", "l", "c", type, CURSOR, 0, null));
    }
}
