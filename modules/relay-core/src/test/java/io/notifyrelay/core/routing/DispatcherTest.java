package io.notifyrelay.core.routing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class DispatcherTest {

    private final SubscriptionRegistry<TestSubscriber> registry = new SubscriptionRegistry<>();
    private final Dispatcher<TestSubscriber> dispatcher = new Dispatcher<>(registry);

    private static RelayEvent event(String lob, String contact) {
        return new RelayEvent("evt", lob, contact, PayloadType.ISSUANCE_RESPONSE, new Cursor("e", 0, 1), 0L,
                "{}".getBytes(UTF_8));
    }

    @Test
    void nobodySubscribedMeansZero() {
        assertEquals(0, dispatcher.dispatch(event("lob-a", "c1")));
    }

    @Test
    void countsAndDeliversToEachRecipientOnce() {
        TestSubscriber lobWide = new TestSubscriber("lobWide");
        TestSubscriber contact = new TestSubscriber("contact");
        TestSubscriber both = new TestSubscriber("both");
        TestSubscriber otherContact = new TestSubscriber("otherContact");
        TestSubscriber otherLob = new TestSubscriber("otherLob");
        registry.subscribeLob("lob-a", lobWide);
        registry.subscribeContacts("lob-a", List.of("c1"), contact);
        registry.subscribeLob("lob-a", both);
        registry.subscribeContacts("lob-a", List.of("c1"), both);
        registry.subscribeContacts("lob-a", List.of("c2"), otherContact);
        registry.subscribeLob("lob-b", otherLob);

        RelayEvent event = event("lob-a", "c1");
        assertEquals(3, dispatcher.dispatch(event));

        for (TestSubscriber recipient : List.of(lobWide, contact, both)) {
            assertEquals(1, recipient.received.size(), recipient.name);
            assertSame(event, recipient.received.get(0), recipient.name);
        }
        assertTrue(otherContact.received.isEmpty());
        assertTrue(otherLob.received.isEmpty());
    }

    @Test
    void eachEventIsCountedSeparately() {
        TestSubscriber lobWide = new TestSubscriber("lobWide");
        registry.subscribeLob("lob-a", lobWide);
        assertEquals(1, dispatcher.dispatch(event("lob-a", "c1")));
        assertEquals(1, dispatcher.dispatch(event("lob-a", "c2")));
        assertEquals(0, dispatcher.dispatch(event("lob-b", "c1")));
        assertEquals(2, lobWide.received.size());
    }
}
