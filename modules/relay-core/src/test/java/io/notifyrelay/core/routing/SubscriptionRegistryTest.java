package io.notifyrelay.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * THE delivery rule: an event for (lob L, contact C) goes to every subscriber of L that subscribed to all of L
 * or to C, once each, and to nobody else.
 */
class SubscriptionRegistryTest {

    private final SubscriptionRegistry<TestSubscriber> registry = new SubscriptionRegistry<>();

    /** The recipients in the order they were handed over; also checks the returned count matches. */
    private List<TestSubscriber> recipients(String lobId, String contactId) {
        List<TestSubscriber> recipients = new ArrayList<>();
        int count = registry.forEachRecipient(lobId, contactId, recipients::add);
        assertEquals(recipients.size(), count, "returned count vs. subscribers handed over");
        return recipients;
    }

    private void assertRecipients(String lobId, String contactId, TestSubscriber... expected) {
        List<TestSubscriber> actual = recipients(lobId, contactId);
        assertEquals(Set.of(expected), Set.copyOf(actual), "recipients of (" + lobId + ", " + contactId + ")");
        assertEquals(expected.length, actual.size(), () -> "each recipient exactly once, got " + actual);
        assertEquals(expected.length > 0, registry.hasRecipient(lobId, contactId),
                "hasRecipient(" + lobId + ", " + contactId + ") agrees with forEachRecipient");
    }

    private final TestSubscriber lobWideA = new TestSubscriber("lobWideA");
    private final TestSubscriber contactA1 = new TestSubscriber("contactA1");
    private final TestSubscriber contactsA12 = new TestSubscriber("contactsA12");
    private final TestSubscriber lobWideB = new TestSubscriber("lobWideB");
    private final TestSubscriber contactB1 = new TestSubscriber("contactB1");

    @Test
    void emptyRegistryHasNoRecipients() {
        assertRecipients("lob-a", "c1");
        assertEquals(0, registry.lobCount());
    }

    @Test
    void lobWideSubscriberGetsEveryContactOfItsLob() {
        registry.subscribeLob("lob-a", lobWideA);
        for (String contact : List.of("c1", "c2", "anything", "")) {
            assertRecipients("lob-a", contact, lobWideA);
        }
    }

    @Test
    void contactSubscriberGetsOnlyItsContacts() {
        registry.subscribeContacts("lob-a", List.of("c1"), contactA1);
        registry.subscribeContacts("lob-a", List.of("c1", "c2"), contactsA12);

        assertRecipients("lob-a", "c1", contactA1, contactsA12);
        assertRecipients("lob-a", "c2", contactsA12);
        assertRecipients("lob-a", "c3");
    }

    @Test
    void subscribersOfOtherLobsNeverGetIt() {
        registry.subscribeLob("lob-b", lobWideB);
        registry.subscribeContacts("lob-b", List.of("c1"), contactB1);
        registry.subscribeLob("lob-a", lobWideA);

        // the same contact id in another LOB is another contact
        assertRecipients("lob-a", "c1", lobWideA);
        assertRecipients("lob-b", "c1", lobWideB, contactB1);
        assertRecipients("lob-c", "c1");
    }

    @Test
    void lobIdsAreExactNotPrefixesOrCaseInsensitive() {
        registry.subscribeLob("lob", lobWideA);
        assertRecipients("lob-a", "c1");
        assertRecipients("LOB", "c1");
        assertRecipients("lob ", "c1");
        assertRecipients("lob", "c1", lobWideA);
    }

    @Test
    void sessionBothLobWideAndContactSubscribedGetsItOnce() {
        registry.subscribeContacts("lob-a", List.of("c1", "c2"), lobWideA);
        registry.subscribeLob("lob-a", lobWideA);
        registry.subscribeContacts("lob-a", List.of("c1"), contactA1);

        assertRecipients("lob-a", "c1", lobWideA, contactA1);
        assertRecipients("lob-a", "c2", lobWideA);
        assertRecipients("lob-a", "c9", lobWideA);
    }

    @Test
    void subscribingTwiceStillDeliversOnce() {
        registry.subscribeLob("lob-a", lobWideA);
        registry.subscribeLob("lob-a", lobWideA);
        registry.subscribeContacts("lob-a", List.of("c1", "c1"), contactA1);
        registry.subscribeContacts("lob-a", List.of("c1"), contactA1);

        assertRecipients("lob-a", "c1", lobWideA, contactA1);
    }

    @Test
    void mixOfSubscribers() {
        registry.subscribeLob("lob-a", lobWideA);
        registry.subscribeContacts("lob-a", List.of("c1"), contactA1);
        registry.subscribeContacts("lob-a", List.of("c1", "c2"), contactsA12);
        registry.subscribeLob("lob-b", lobWideB);
        registry.subscribeContacts("lob-b", List.of("c1"), contactB1);

        assertRecipients("lob-a", "c1", lobWideA, contactA1, contactsA12);
        assertRecipients("lob-a", "c2", lobWideA, contactsA12);
        assertRecipients("lob-a", "c3", lobWideA);
        assertRecipients("lob-b", "c1", lobWideB, contactB1);
        assertRecipients("lob-b", "c2", lobWideB);
        assertEquals(2, registry.lobCount());
    }

    @Nested
    class Unsubscribing {

        @Test
        void unsubscribeLobStopsDelivery() {
            registry.subscribeLob("lob-a", lobWideA);
            registry.subscribeLob("lob-a", new TestSubscriber("other"));
            registry.unsubscribeLob("lob-a", lobWideA);

            assertTrue(recipients("lob-a", "c1").stream().noneMatch(s -> s == lobWideA));
            assertEquals(1, recipients("lob-a", "c1").size());
        }

        @Test
        void unsubscribeContactsStopsOnlyThoseContacts() {
            registry.subscribeContacts("lob-a", List.of("c1", "c2", "c3"), contactsA12);
            registry.unsubscribeContacts("lob-a", List.of("c1", "c3"), contactsA12);

            assertRecipients("lob-a", "c1");
            assertRecipients("lob-a", "c2", contactsA12);
            assertRecipients("lob-a", "c3");
        }

        @Test
        void unsubscribeContactsLeavesOtherSubscribersOfThatContact() {
            registry.subscribeContacts("lob-a", List.of("c1"), contactA1);
            registry.subscribeContacts("lob-a", List.of("c1"), contactsA12);
            registry.unsubscribeContacts("lob-a", List.of("c1"), contactA1);

            assertRecipients("lob-a", "c1", contactsA12);
        }

        @Test
        void droppingLobWideKeepsTheSameSessionsContactSubscriptions() {
            registry.subscribeLob("lob-a", lobWideA);
            registry.subscribeContacts("lob-a", List.of("c1"), lobWideA);
            registry.unsubscribeLob("lob-a", lobWideA);

            assertRecipients("lob-a", "c1", lobWideA);
            assertRecipients("lob-a", "c2");
        }

        @Test
        void droppingContactsKeepsTheSameSessionsLobWideSubscription() {
            registry.subscribeLob("lob-a", lobWideA);
            registry.subscribeContacts("lob-a", List.of("c1"), lobWideA);
            registry.unsubscribeContacts("lob-a", List.of("c1"), lobWideA);

            assertRecipients("lob-a", "c1", lobWideA);
        }

        @Test
        void unsubscribingWhatWasNeverSubscribedIsHarmless() {
            registry.unsubscribeLob("lob-x", lobWideA);
            registry.unsubscribeContacts("lob-x", List.of("c1"), lobWideA);
            assertEquals(0, registry.lobCount());

            registry.subscribeContacts("lob-a", List.of("c1"), contactA1);
            registry.unsubscribeLob("lob-a", contactA1);
            registry.unsubscribeContacts("lob-a", List.of("c2"), contactA1);
            registry.unsubscribeContacts("lob-a", List.of("c1"), contactsA12);
            assertRecipients("lob-a", "c1", contactA1);
            assertEquals(1, registry.lobCount());
        }

        @Test
        void unsubscribingFromOneLobLeavesTheOther() {
            registry.subscribeLob("lob-a", lobWideA);
            registry.subscribeLob("lob-b", lobWideA);
            registry.unsubscribeLob("lob-a", lobWideA);

            assertRecipients("lob-a", "c1");
            assertRecipients("lob-b", "c1", lobWideA);
        }
    }

    @Nested
    class Cleanup {

        @Test
        void lobCountCountsLobsWithSubscribers() {
            registry.subscribeLob("lob-a", lobWideA);
            registry.subscribeContacts("lob-a", List.of("c1"), contactA1);
            registry.subscribeContacts("lob-b", List.of("c1"), contactB1);
            assertEquals(2, registry.lobCount());
        }

        @Test
        void lobEntryIsRemovedWhenItsLastLobWideSubscriberLeaves() {
            registry.subscribeLob("lob-a", lobWideA);
            registry.subscribeLob("lob-a", contactA1);
            registry.unsubscribeLob("lob-a", lobWideA);
            assertEquals(1, registry.lobCount());
            registry.unsubscribeLob("lob-a", contactA1);
            assertEquals(0, registry.lobCount());
        }

        @Test
        void lobEntryIsRemovedWhenItsLastContactSubscriptionGoes() {
            registry.subscribeContacts("lob-a", List.of("c1", "c2"), contactsA12);
            registry.unsubscribeContacts("lob-a", List.of("c1"), contactsA12);
            assertEquals(1, registry.lobCount());
            registry.unsubscribeContacts("lob-a", List.of("c2"), contactsA12);
            assertEquals(0, registry.lobCount());
        }

        @Test
        void lobEntryIsRemovedOnlyWhenBothKindsAreGone() {
            registry.subscribeLob("lob-a", lobWideA);
            registry.subscribeContacts("lob-a", List.of("c1"), contactA1);
            registry.unsubscribeLob("lob-a", lobWideA);
            assertEquals(1, registry.lobCount());
            assertRecipients("lob-a", "c1", contactA1);
            registry.unsubscribeContacts("lob-a", List.of("c1"), contactA1);
            assertEquals(0, registry.lobCount());
        }

        @Test
        void resubscribingAfterCleanupWorks() {
            registry.subscribeLob("lob-a", lobWideA);
            registry.unsubscribeLob("lob-a", lobWideA);
            registry.subscribeContacts("lob-a", List.of("c1"), contactA1);
            assertRecipients("lob-a", "c1", contactA1);
            assertEquals(1, registry.lobCount());
        }

        /**
         * A session whose token has {@code "contacts": []} subscribes to "all its contacts", i.e. none: that must
         * not leave an empty LOB entry behind (it would never be removed, as the session never unsubscribes).
         */
        @Test
        void subscribingToNoContactsLeavesNoEntry() {
            registry.subscribeContacts("lob-a", List.of(), contactA1);
            assertEquals(0, registry.lobCount());
            assertRecipients("lob-a", "c1");
        }
    }

    /**
     * Lookups run on the consumer thread while sessions change their subscriptions on other threads. These
     * tests make the change happen at a known point of a lookup (from inside the recipient callback, which is
     * exactly what a concurrent thread may do), with hash codes chosen so the set iteration order is known.
     */
    @Nested
    class ChangesDuringALookup {

        @Test
        void contactSubscriberThatAlsoSubscribesToTheWholeLobMidLookupStillGetsTheEvent() {
            TestSubscriber early = new TestSubscriber("early", 1);
            TestSubscriber contactThenLob = new TestSubscriber("contactThenLob", 0);
            registry.subscribeLob("lob-a", early);
            registry.subscribeContacts("lob-a", List.of("c1"), contactThenLob);

            List<TestSubscriber> got = new ArrayList<>();
            registry.forEachRecipient("lob-a", "c1", s -> {
                got.add(s);
                if (s == early) {
                    // another thread: the session that was subscribed to c1 all along widens to the whole LOB
                    registry.subscribeLob("lob-a", contactThenLob);
                }
            });

            assertEquals(1, got.stream().filter(s -> s == contactThenLob).count(),
                    () -> "subscribed to c1 before and after the lookup, yet received " + got);
        }

        @Test
        void sessionThatDropsItsLobWideSubscriptionMidLookupGetsTheEventOnce() {
            TestSubscriber both = new TestSubscriber("both", 0);
            registry.subscribeLob("lob-a", both);
            registry.subscribeContacts("lob-a", List.of("c1"), both);

            List<TestSubscriber> got = new ArrayList<>();
            registry.forEachRecipient("lob-a", "c1", s -> {
                got.add(s);
                registry.unsubscribeLob("lob-a", both); // another thread, as the first delivery happens
            });

            assertEquals(1, got.size(), () -> "delivered " + got);
        }
    }
}
