package io.notifyrelay.publisher.receipts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.notifyrelay.core.receipt.ReceiptOutcome;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * What the relay says became of one notification ({@code eventId} is the {@code PublishResult.eventId()} it was
 * published with). See {@code schemas/receipt.schema.json}.
 *
 * @param sessions delivered: how many sessions on {@code node} got it; otherwise 0 (undelivered, expired) or 1
 */
public record DeliveryReceipt(String eventId, String lobId, String contactId, ReceiptOutcome outcome, int sessions,
                              String node, int partition, long offset, Instant at) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads a receipt value; empty when it is not one (or names an outcome this version does not know). */
    public static Optional<DeliveryReceipt> parse(byte[] value) {
        try {
            JsonNode json = JSON.readTree(value);
            if (json == null || !json.path("eventId").isTextual() || !json.path("outcome").isTextual()) {
                return Optional.empty();
            }
            ReceiptOutcome outcome = ReceiptOutcome.valueOf(json.path("outcome").asText().toUpperCase(Locale.ROOT));
            return Optional.of(new DeliveryReceipt(json.path("eventId").asText(), json.path("lobId").asText(null),
                    json.path("contactId").asText(null), outcome, json.path("sessions").asInt(),
                    json.path("node").asText(null), json.path("partition").asInt(-1), json.path("offset").asLong(-1),
                    Instant.parse(json.path("at").asText())));
        } catch (IOException | IllegalArgumentException | DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
