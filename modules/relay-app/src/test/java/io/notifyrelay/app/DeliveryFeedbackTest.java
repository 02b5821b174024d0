package io.notifyrelay.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.presence.ClusterPresence;
import io.notifyrelay.core.presence.NodePresence;
import io.notifyrelay.core.receipt.EventRef;
import io.notifyrelay.core.receipt.Receipt;
import io.notifyrelay.core.receipt.ReceiptOutcome;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class DeliveryFeedbackTest {

    private static final long NOW = 1_800_000_000_000L;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);

    private final List<Receipt> receipts = new CopyOnWriteArrayList<>();
    private final ClusterPresence presence = new ClusterPresence("a",
            () -> new NodePresence("a", NOW, Map.of(), false), 6_000, 10);
    private final DeliveryFeedback feedback = new DeliveryFeedback("a", CLOCK, receipts::add, null, presence, null,
            null);

    private static RelayEvent event(String contact, long expiresAt) {
        return new RelayEvent("e-" + contact, "L", contact, PayloadType.CONNECTION_RESPONSE, new Cursor("E", 1, 7),
                NOW - 10, "{}".getBytes(), null, null, expiresAt);
    }

    private List<ReceiptOutcome> outcomes() {
        return receipts.stream().map(Receipt::outcome).toList();
    }

    @Test
    void anEventPastItsExpiryIsExpiredOnceAndNothingElse() {
        RelayEvent late = event("c", NOW);
        assertTrue(feedback.expired(late));
        assertFalse(feedback.expired(event("c", NOW + 1)));

        feedback.onceForCluster(late, 0);

        assertEquals(List.of(ReceiptOutcome.EXPIRED), outcomes());
        assertEquals("a", receipts.get(0).node());
        assertEquals(NOW, receipts.get(0).atMs());
    }

    @Test
    void undeliveredOnlyWhenNoSessionHereNorElsewhere() {
        presence.update("b", new NodePresence("b", NOW - 100, Map.of("L",
                new NodePresence.Lob(1, 0, Map.of("online", 1))), false));

        feedback.onceForCluster(event("here", RelayEvent.NO_EXPIRY), 2);
        feedback.onceForCluster(event("online", RelayEvent.NO_EXPIRY), 0);
        feedback.onceForCluster(event("nobody", RelayEvent.NO_EXPIRY), 0);

        assertEquals(List.of(ReceiptOutcome.UNDELIVERED), outcomes());
        assertEquals("nobody", receipts.get(0).contactId());
    }

    @Test
    void aNodeThatDidNotDeliverItselfCountsItsOwnSessionsFromPresence() {
        ClusterPresence withLocal = new ClusterPresence("a", () -> new NodePresence("a", NOW, Map.of("L",
                new NodePresence.Lob(1, 0, Map.of("here", 1))), false), 6_000, 10);
        DeliveryFeedback duties = new DeliveryFeedback("a", CLOCK, receipts::add, null, withLocal, null, null);

        duties.onceForCluster(event("here", RelayEvent.NO_EXPIRY));
        duties.onceForCluster(event("nobody", RelayEvent.NO_EXPIRY));
        duties.onceForCluster(event("late", NOW - 1));

        assertEquals(List.of(ReceiptOutcome.UNDELIVERED, ReceiptOutcome.EXPIRED), outcomes());
        assertEquals("nobody", receipts.get(0).contactId());
    }

    @Test
    void aSessionThatSubscribedHereAMomentAgoCountsBeforeThePresenceSnapshotShowsIt() {
        // the snapshot knows no session here yet; the live check does
        DeliveryFeedback duties = new DeliveryFeedback("a", CLOCK, receipts::add, null, presence, null, null,
                (lob, contact) -> "L".equals(lob) && "just-now".equals(contact));

        duties.onceForCluster(event("just-now", RelayEvent.NO_EXPIRY));
        duties.onceForCluster(event("nobody", RelayEvent.NO_EXPIRY));

        assertEquals(List.of(ReceiptOutcome.UNDELIVERED), outcomes());
        assertEquals("nobody", receipts.get(0).contactId());
    }

    @Test
    void withoutPresenceNobodyCanTellSoNoUndelivered() {
        DeliveryFeedback blind = new DeliveryFeedback("a", CLOCK, receipts::add, null, null, null, null);
        blind.onceForCluster(event("nobody", RelayEvent.NO_EXPIRY), 0);
        assertTrue(receipts.isEmpty());
    }

    @Test
    void deliveredCountsTheSessionsAndSessionsReportDropsAndAcks() {
        feedback.delivered(event("c", RelayEvent.NO_EXPIRY), 0);
        feedback.delivered(event("c", RelayEvent.NO_EXPIRY), 3);
        feedback.outcomes().dropped(event("c", RelayEvent.NO_EXPIRY));
        feedback.outcomes().acknowledged(new EventRef("e-c", "L", "c", 1, 7));

        assertEquals(List.of(ReceiptOutcome.DELIVERED, ReceiptOutcome.DROPPED, ReceiptOutcome.ACKNOWLEDGED), outcomes());
        assertEquals(List.of(3, 1, 1), receipts.stream().map(Receipt::sessions).toList());
    }
}
