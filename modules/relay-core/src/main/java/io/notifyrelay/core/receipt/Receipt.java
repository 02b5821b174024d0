package io.notifyrelay.core.receipt;

import io.notifyrelay.core.RelayEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One receipt: what became of one notification ({@code eventId} is its {@code ce_id}) on one node. The value
 * of a record on the receipts topic, see {@code schemas/receipt.schema.json}.
 *
 * @param sessions how many sessions the outcome concerns (delivered: written to; undelivered, expired: 0;
 *                 dropped, acknowledged: 1)
 * @param atMs     when the relay decided it, epoch milliseconds
 */
public record Receipt(String eventId, String lobId, String contactId, ReceiptOutcome outcome, int sessions,
                      String node, int partition, long offset, long atMs) {

    public static Receipt of(RelayEvent event, ReceiptOutcome outcome, int sessions, String node, long atMs) {
        return new Receipt(event.eventId(), event.lobId(), event.contactId(), outcome, sessions, node,
                event.partition(), event.offset(), atMs); // no EventRef in between: one per delivered event
    }

    public static Receipt of(EventRef event, ReceiptOutcome outcome, int sessions, String node, long atMs) {
        return new Receipt(event.eventId(), event.lobId(), event.contactId(), outcome, sessions, node,
                event.partition(), event.offset(), atMs);
    }

    /** The JSON value: {@code {"eventId","lobId","contactId","outcome","sessions","node","partition","offset","at"}}. */
    public byte[] toJson() {
        return ReceiptJson.encode(this, Instant.ofEpochMilli(atMs).toString().getBytes(StandardCharsets.US_ASCII));
    }
}
