package io.notifyrelay.core.receipt;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.notifyrelay.core.RelayEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    private static final JsonFactory JSON = new JsonFactory();

    public static Receipt of(RelayEvent event, ReceiptOutcome outcome, int sessions, String node, long atMs) {
        return of(EventRef.of(event), outcome, sessions, node, atMs);
    }

    public static Receipt of(EventRef event, ReceiptOutcome outcome, int sessions, String node, long atMs) {
        return new Receipt(event.eventId(), event.lobId(), event.contactId(), outcome, sessions, node,
                event.partition(), event.offset(), atMs);
    }

    /** The JSON value: {@code {"eventId","lobId","contactId","outcome","sessions","node","partition","offset","at"}}. */
    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(192);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("eventId", eventId);
            json.writeStringField("lobId", lobId);
            json.writeStringField("contactId", contactId);
            json.writeStringField("outcome", outcome.wireName());
            json.writeNumberField("sessions", sessions);
            json.writeStringField("node", node);
            json.writeNumberField("partition", partition);
            json.writeNumberField("offset", offset);
            json.writeStringField("at", Instant.ofEpochMilli(atMs).toString());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }
}
