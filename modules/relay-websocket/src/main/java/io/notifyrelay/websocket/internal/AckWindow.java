package io.notifyrelay.websocket.internal;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.receipt.EventRef;

/**
 * The last {@link #CAPACITY} events sent to a session that asked to acknowledge ({@code subscribe} with
 * {@code ack: true}), so an {@code ack} naming their ids becomes a receipt with the event's contact and cursor.
 * Each event can be acknowledged once: a client can never make more receipts than it got events. The strings are
 * the event's own (shared with every recipient); a window costs about 1.5 KB.
 */
final class AckWindow {

    static final int CAPACITY = 64;

    private final String[] ids = new String[CAPACITY];
    private final String[] contacts = new String[CAPACITY];
    private final int[] partitions = new int[CAPACITY];
    private final long[] offsets = new long[CAPACITY];
    private int next;

    synchronized void sent(RelayEvent event) {
        ids[next] = event.eventId();
        contacts[next] = event.contactId();
        partitions[next] = event.partition();
        offsets[next] = event.offset();
        next = (next + 1) % CAPACITY;
    }

    /** The event of that id sent to this session (of {@code lobId}), once; null if unknown, too old or taken. */
    synchronized EventRef take(String eventId, String lobId) {
        for (int i = 0; i < CAPACITY; i++) {
            int slot = Math.floorMod(next - 1 - i, CAPACITY); // newest first
            if (eventId.equals(ids[slot])) {
                ids[slot] = null;
                return new EventRef(eventId, lobId, contacts[slot], partitions[slot], offsets[slot]);
            }
        }
        return null;
    }
}
