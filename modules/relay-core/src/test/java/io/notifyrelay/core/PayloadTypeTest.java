package io.notifyrelay.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PayloadTypeTest {

    @Test
    void cloudEventTypes() {
        assertEquals("notify.connection-response", PayloadType.CONNECTION_RESPONSE.cloudEventType());
        assertEquals("notify.issuance-response", PayloadType.ISSUANCE_RESPONSE.cloudEventType());
        assertEquals("notify.verification-response", PayloadType.VERIFICATION_RESPONSE.cloudEventType());
    }

    @Test
    void fromNameIsExactAndCaseSensitive() {
        for (PayloadType type : PayloadType.values()) {
            assertEquals(Optional.of(type), PayloadType.fromName(type.name()));
        }
        assertEquals(Optional.empty(), PayloadType.fromName("connection_response"));
        assertEquals(Optional.empty(), PayloadType.fromName(""));
        assertEquals(Optional.empty(), PayloadType.fromName(null));
    }
}
