package io.notifyrelay.core.replay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecentEventsTest {

    private static RelayEvent event(int partition, long offset, String notification) {
        return event("ep0ch", partition, offset, notification);
    }

    private static RelayEvent event(String epoch, int partition, long offset, String notification) {
        return new RelayEvent("id-" + offset + "-é", "lob-" + (offset % 3), "contact-😀-" + offset,
                PayloadType.values()[(int) (offset % PayloadType.values().length)],
                new Cursor(epoch, partition, offset), 1_700_000_000_000L + offset, notification.getBytes(UTF_8), null,
                null, offset % 2 == 0 ? RelayEvent.NO_EXPIRY : 1_800_000_000_000L + offset);
    }

    private static List<RelayEvent> from(RecentEvents recent, int partition, long offset) {
        List<RelayEvent> out = new ArrayList<>();
        recent.forEachFrom(partition, offset, out::add);
        return out;
    }

    private static void assertSameEvent(RelayEvent expected, RelayEvent actual) {
        assertEquals(expected.eventId(), actual.eventId());
        assertEquals(expected.lobId(), actual.lobId());
        assertEquals(expected.contactId(), actual.contactId());
        assertEquals(expected.payloadType(), actual.payloadType());
        assertEquals(expected.cursor(), actual.cursor());
        assertEquals(expected.timestampMs(), actual.timestampMs());
        assertEquals(expected.expiresAtMs(), actual.expiresAtMs(), "the expiry survives the ring");
        assertArrayEquals(expected.notification(), actual.notification());
    }

    @Test
    void handsBackEveryFieldOfTheHeldEventsOldestFirst() {
        RecentEvents recent = new RecentEvents(10);
        List<RelayEvent> added = new ArrayList<>();
        for (long offset = 5; offset < 9; offset++) {
            RelayEvent event = event(2, offset, "{\"payloadType\":\"X\",\"n\":" + offset + "}");
            added.add(event);
            recent.add(event);
        }

        List<RelayEvent> back = from(recent, 2, 6);

        assertEquals(3, back.size());
        for (int i = 0; i < 3; i++) {
            assertSameEvent(added.get(i + 1), back.get(i));
        }
        assertTrue(from(recent, 1, 0).isEmpty(), "another partition holds nothing");
    }

    @Test
    void coversFromTheFirstEventSeenUntilTheOldestIsEvicted() {
        RecentEvents recent = new RecentEvents(3);
        assertFalse(recent.covers(0, 0), "nothing seen yet");
        for (long offset = 10; offset < 13; offset++) {
            recent.add(event(0, offset, "{}"));
        }
        assertTrue(recent.covers(0, 10));
        assertFalse(recent.covers(0, 9), "before the first event this node saw");

        recent.add(event(0, 14, "{}")); // offset 13 was a rejected record: a gap
        assertFalse(recent.covers(0, 10), "offset 10 was evicted");
        assertTrue(recent.covers(0, 11));
        assertEquals(List.of(11L, 12L, 14L), from(recent, 0, 0).stream().map(RelayEvent::offset).toList());
        assertEquals(3, recent.size());
    }

    @Test
    void aByteBoundEvictsTheOldestToMakeRoom() {
        String body = "{\"pad\":\"" + "x".repeat(200) + "\"}";
        RecentEvents recent = new RecentEvents(1000, 1000);

        for (long offset = 0; offset < 20; offset++) {
            recent.add(event(0, offset, body));
        }

        List<RelayEvent> held = from(recent, 0, 0);
        assertTrue(held.size() >= 2 && held.size() < 5, "about four events of ~260 bytes fit in 1000: " + held.size());
        assertEquals(19, held.get(held.size() - 1).offset());
        assertTrue(recent.covers(0, held.get(0).offset()));
        assertFalse(recent.covers(0, held.get(0).offset() - 1));
        assertTrue(recent.reservedBytes() <= 1000);
    }

    @Test
    void anEventLargerThanTheBoundEmptiesTheWindowAndIsNotCovered() {
        RecentEvents recent = new RecentEvents(100, 500);
        recent.add(event(0, 1, "{}"));
        recent.add(event(0, 2, "{\"pad\":\"" + "x".repeat(600) + "\"}"));

        assertFalse(recent.covers(0, 2), "the big event is not held, so a resume from it must read Kafka");
        assertTrue(recent.covers(0, 3));
        assertEquals(0, recent.size());

        recent.add(event(0, 3, "{}"));
        assertEquals(List.of(3L), from(recent, 0, 0).stream().map(RelayEvent::offset).toList());
    }

    @Test
    void survivesWrapAroundAndGrowthWithEventsOfEverySize() {
        Random random = new Random(42);
        RecentEvents recent = new RecentEvents(50, 20_000);
        List<RelayEvent> all = new ArrayList<>();
        for (long offset = 0; offset < 5_000; offset++) {
            RelayEvent event = event(3, offset, "{\"pad\":\"" + "y".repeat(random.nextInt(700)) + "\"}");
            all.add(event);
            recent.add(event);
            if (offset % 97 == 0) {
                List<RelayEvent> held = from(recent, 3, 0);
                assertFalse(held.isEmpty());
                int firstIndex = (int) held.get(0).offset();
                for (int i = 0; i < held.size(); i++) {
                    assertSameEvent(all.get(firstIndex + i), held.get(i));
                }
                assertEquals(offset, held.get(held.size() - 1).offset());
                assertTrue(recent.covers(3, firstIndex));
            }
        }
        assertTrue(recent.reservedBytes() <= 20_000);
    }

    @Test
    void forgettingAPartitionOrANewTopicEpochDropsWhatIsHeld() {
        RecentEvents recent = new RecentEvents(10);
        recent.add(event(0, 1, "{}"));
        recent.add(event(1, 1, "{}"));

        recent.forget(0);
        assertFalse(recent.covers(0, 1));
        assertTrue(recent.covers(1, 1));

        recent.add(event("recreated", 1, 0, "{}"));
        List<RelayEvent> held = from(recent, 1, 0);
        assertEquals(1, held.size());
        assertEquals("recreated", held.get(0).cursor().epoch());
    }

    @Test
    void zeroKeepsNothingAndBadBoundsAreRefused() {
        RecentEvents none = new RecentEvents(0);
        none.add(event(0, 1, "{}"));
        assertFalse(none.covers(0, 1));
        assertEquals(0, none.size());
        assertThrows(IllegalArgumentException.class, () -> new RecentEvents(-1));
        assertThrows(IllegalArgumentException.class, () -> new RecentEvents(10, 0));
    }
}
