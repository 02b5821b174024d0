package io.notifyrelay.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One notification as the relay delivered it, after de-duplication.
 *
 * @param id         the event id ({@code ce_id}); unique, the key the client de-duplicates on
 * @param cursor     opaque position of the event; save the last ones ({@link NotifyRelayClient#cursors()}) to
 *                   resume after a restart of your own process
 * @param lobId      the LOB the event is addressed to
 * @param contactId  the contact it is about
 * @param data       the notification exactly as the Notify API produced it
 * @param receivedAt when this client received it
 * @param node       WebSocket URL of the relay node that delivered it
 */
public record RelayEvent(String id, String cursor, String lobId, String contactId, JsonNode data, Instant receivedAt,
                         String node) {
}
