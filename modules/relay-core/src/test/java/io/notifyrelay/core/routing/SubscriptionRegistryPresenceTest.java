package io.notifyrelay.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.presence.NodePresence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SubscriptionRegistryPresenceTest {

    private final SubscriptionRegistry<TestSubscriber> registry = new SubscriptionRegistry<>();

    @Test
    void countsSessionsPerLobAndContactAsDeliveryWouldReachThem() {
        TestSubscriber wide = new TestSubscriber("wide");
        TestSubscriber both = new TestSubscriber("both");
        TestSubscriber contact = new TestSubscriber("contact");
        registry.subscribeLob("L", wide);
        registry.subscribeLob("L", both);
        registry.subscribeContacts("L", List.of("c1"), both); // already has c1 through the LOB
        registry.subscribeContacts("L", List.of("c1", "c2"), contact);
        registry.subscribeContacts("M", List.of("c9"), new TestSubscriber("other-lob"));

        NodePresence presence = registry.presence("n1", 5, 100);

        NodePresence.Lob lob = presence.lobs().get("L");
        assertEquals(3, lob.sessions(), "distinct sessions of the LOB");
        assertEquals(2, lob.lobWide());
        assertEquals(Map.of("c1", 1, "c2", 1), lob.contacts());
        assertEquals(3, lob.sessionsFor("c1"), "as many as forEachRecipient reaches");
        assertEquals(registry.forEachRecipient("L", "c1", s -> { }), lob.sessionsFor("c1"));
        assertEquals(2, lob.sessionsFor("c-unknown"));
        assertEquals(1, presence.lobs().get("M").sessions());
        assertFalse(presence.truncated());
        assertEquals("n1", presence.node());
        assertEquals(5, presence.atMs());
    }

    @Test
    void contactEntriesAreBoundedAndTheSnapshotSaysSo() {
        for (int i = 0; i < 10; i++) {
            registry.subscribeContacts("L", List.of("c" + i), new TestSubscriber("s" + i));
        }

        NodePresence presence = registry.presence("n1", 0, 4);

        assertTrue(presence.truncated());
        assertEquals(4, presence.lobs().get("L").contacts().size());
        assertEquals(10, presence.lobs().get("L").sessions(), "LOB totals stay exact");
    }

    @Test
    void aNodeWithoutSessionsPublishesNoLobs() {
        TestSubscriber gone = new TestSubscriber("gone");
        registry.subscribeLob("L", gone);
        registry.unsubscribeLob("L", gone);

        assertTrue(registry.presence("n1", 0, 10).lobs().isEmpty());
    }
}
