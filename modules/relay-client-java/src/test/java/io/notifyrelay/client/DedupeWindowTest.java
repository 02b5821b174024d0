package io.notifyrelay.client;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DedupeWindowTest {

    @Test
    void anIdIsNewOnceThenADuplicate() {
        DedupeWindow window = new DedupeWindow(10);
        assertTrue(window.firstTime("a"));
        assertTrue(window.firstTime("b"));
        assertFalse(window.firstTime("a"));
        assertFalse(window.firstTime("b"));
        assertEquals(2, window.size());
    }

    @Test
    void theLeastRecentlySeenIdLeavesWhenFull() {
        DedupeWindow window = new DedupeWindow(3);
        window.firstTime("a");
        window.firstTime("b");
        window.firstTime("c");
        assertFalse(window.firstTime("a"), "seeing a again makes it the most recent");
        window.firstTime("d"); // evicts b, the least recently seen
        assertEquals(3, window.size());
        assertFalse(window.firstTime("a"));
        assertFalse(window.firstTime("c"));
        assertFalse(window.firstTime("d"));
        assertTrue(window.firstTime("b"), "b fell out of the window");
    }

    @Test
    void holdsExactlyItsCapacity() {
        DedupeWindow window = new DedupeWindow(1000);
        for (int i = 0; i < 5000; i++) {
            assertTrue(window.firstTime("id-" + i));
        }
        assertEquals(1000, window.size());
        assertFalse(window.firstTime("id-4999"));
        assertTrue(window.firstTime("id-3999"));
    }

    @Test
    void needsRoomForOneId() {
        assertThrows(IllegalArgumentException.class, () -> new DedupeWindow(0));
    }
}
