package io.notifyrelay.core.receipt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import org.junit.jupiter.api.Test;

class ReceiptTest {

    @Test
    void theJsonValueCarriesEveryMemberWithTheOutcomesWireName() throws Exception {
        RelayEvent event = new RelayEvent("evt-\"1\"", "lob", "contact", PayloadType.ISSUANCE_RESPONSE,
                new Cursor("E", 3, 42), 0, "{}".getBytes());

        JsonNode json = new ObjectMapper().readTree(
                Receipt.of(event, ReceiptOutcome.DELIVERED, 2, "node-1", 1_700_000_000_123L).toJson());

        assertEquals("evt-\"1\"", json.path("eventId").asText());
        assertEquals("lob", json.path("lobId").asText());
        assertEquals("contact", json.path("contactId").asText());
        assertEquals("delivered", json.path("outcome").asText());
        assertEquals(2, json.path("sessions").asInt());
        assertEquals("node-1", json.path("node").asText());
        assertEquals(3, json.path("partition").asInt());
        assertEquals(42, json.path("offset").asLong());
        assertEquals("2023-11-14T22:13:20.123Z", json.path("at").asText());
        assertEquals(9, json.size());
    }
}
