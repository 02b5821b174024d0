package io.notifyrelay.core.receipt;

import io.notifyrelay.core.RelayEvent;

/** Which notification a receipt is about, without its bytes: what a session remembers to take acknowledgements. */
public record EventRef(String eventId, String lobId, String contactId, int partition, long offset) {

    public static EventRef of(RelayEvent event) {
        return new EventRef(event.eventId(), event.lobId(), event.contactId(), event.partition(), event.offset());
    }
}
