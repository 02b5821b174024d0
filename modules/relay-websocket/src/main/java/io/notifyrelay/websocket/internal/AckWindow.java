package io.notifyrelay.websocket.internal;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.receipt.EventRef;

/**
 * The last {@link #CAPACITY} events sent to a session that asked to acknowledge ({@code subscribe} with
 * {@code ack: true}), so an {@code ack} naming their ids becomes a receipt with the event's contact and cursor.
 * Each event can be acknowledged once: a client can never make more receipts than it got events. The strings are
 * the event's own (shared with every recipient); a window costs about 1.5 KB.
 */
public final class AckWindow {

    public static final int CAPACITY = 64;

    /** What the client names an event by: its id on /v1/ws, the acknowledgement id on socket.io. */
    private final String[] keys = new String[CAPACITY];
    private final String[] ids = new String[CAPACITY];
    private final String[] contacts = new String[CAPACITY];
    private final int[] partitions = new int[CAPACITY];
    private final long[] offsets = new long[CAPACITY];
    private int next;

    void sent(RelayEvent event) {
        sent(event.eventId(), event);
    }

    public synchronized void sent(String key, RelayEvent event) {
        keys[next] = key;
        ids[next] = event.eventId();
        contacts[next] = event.contactId();
        partitions[next] = event.partition();
        offsets[next] = event.offset();
        next = (next + 1) % CAPACITY;
    }

    /** The event of that key sent to this session (of {@code lobId}), once; null if unknown, too old or taken. */
    public synchronized EventRef take(String key, String lobId) {
        for (int i = 0; i < CAPACITY; i++) {
            int slot = Math.floorMod(next - 1 - i, CAPACITY); // newest first
            if (key.equals(keys[slot])) {
                keys[slot] = null;
                return new EventRef(ids[slot], lobId, contacts[slot], partitions[slot], offsets[slot]);
            }
        }
        return null;
    }
}
