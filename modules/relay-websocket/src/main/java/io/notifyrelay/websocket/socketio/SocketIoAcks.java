package io.notifyrelay.websocket.socketio;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.receipt.EventRef;
import io.notifyrelay.websocket.internal.AckWindow;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The acknowledgement ids of a session that connected with {@code auth.ack: true}: each {@code notification}
 * packet gets one ({@code 42<id>["notification",…]}); the client's callback answers {@code 43<id>[…]}, which
 * becomes one acknowledged receipt, once per event. Allocated only for such sessions.
 */
final class SocketIoAcks {

    private final AckWindow window = new AckWindow();
    private final AtomicLong nextId = new AtomicLong();

    /** The packet with a fresh acknowledgement id after its {@code 42}. */
    byte[] withAckId(byte[] packet, RelayEvent event) {
        String id = Long.toString(nextId.incrementAndGet());
        window.sent(id, event);
        byte[] digits = id.getBytes(StandardCharsets.US_ASCII);
        byte[] withId = new byte[packet.length + digits.length];
        System.arraycopy(packet, 0, withId, 0, 2);
        System.arraycopy(digits, 0, withId, 2, digits.length);
        System.arraycopy(packet, 2, withId, 2 + digits.length, packet.length - 2);
        return withId;
    }

    /** The event {@code ackId} was sent with, if it is one of {@code lobId}'s recent ones; null otherwise. */
    EventRef take(long ackId, String lobId) {
        return window.take(Long.toString(ackId), lobId);
    }
}
