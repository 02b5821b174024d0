package io.notifyrelay.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.receipt.EventRef;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class AckFrameTest {

    private static RelayEvent event(int n) {
        return new RelayEvent("e" + n, "lob", "c" + n, PayloadType.CONNECTION_RESPONSE, new Cursor("E", n % 3, n), 0,
                "{}".getBytes());
    }

    @Test
    void ackCarriesOneToAHundredIds() {
        assertEquals(List.of("a", "b"), assertInstanceOf(ClientFrame.Ack.class,
                ClientFrame.parse("{\"type\":\"ack\",\"ids\":[\"a\",\"b\"]}")).ids());
        String hundredAndOne = "[" + String.join(",", Collections.nCopies(101, "\"x\"")) + "]";
        for (String bad : List.of("{\"type\":\"ack\"}", "{\"type\":\"ack\",\"ids\":[]}", "{\"type\":\"ack\",\"ids\":[1]}",
                "{\"type\":\"ack\",\"ids\":\"a\"}", "{\"type\":\"ack\",\"ids\":" + hundredAndOne + "}")) {
            ClientFrameTest.invalid(bad, "bad_frame");
        }
    }

    @Test
    void subscribeMayAskToAcknowledge() {
        assertTrue(assertInstanceOf(ClientFrame.Subscribe.class,
                ClientFrame.parse("{\"type\":\"subscribe\",\"ack\":true}")).ack());
        assertFalse(assertInstanceOf(ClientFrame.Subscribe.class, ClientFrame.parse("{\"type\":\"subscribe\"}")).ack());
        ClientFrameTest.invalid("{\"type\":\"subscribe\",\"ack\":\"yes\"}", "bad_frame");
    }

    @Test
    void eachOfTheLastEventsCanBeAcknowledgedOnce() {
        AckWindow window = new AckWindow();
        for (int n = 0; n < AckWindow.CAPACITY + 10; n++) {
            window.sent(event(n));
        }
        int newest = AckWindow.CAPACITY + 9;

        assertEquals(new EventRef("e" + newest, "lob", "c" + newest, newest % 3, newest), window.take("e" + newest, "lob"));
        assertNull(window.take("e" + newest, "lob"), "twice");
        assertNull(window.take("e9", "lob"), "too old");
        assertEquals("c10", window.take("e10", "lob").contactId(), "the oldest still held");
        assertNull(window.take("never-sent", "lob"));
    }
}
