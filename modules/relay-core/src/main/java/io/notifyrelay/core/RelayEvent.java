package io.notifyrelay.core;

import java.util.Objects;
import java.util.function.Function;

/**
 * One notification taken off the topic, ready to be delivered: who it is for, where it came from, and
 * the notification JSON exactly as the producer wrote it.
 *
 * <p>Not a record because it memoises its wire encoding: every session that receives the event gets
 * the same bytes, built once however many sessions there are.
 */
public final class RelayEvent {
    private final String eventId;
    private final String lobId;
    private final String contactId;
    private final PayloadType payloadType;
    private final Cursor cursor;
    private final long timestampMs;
    private final byte[] notification;

    private volatile Encoded memo;

    private record Encoded(Function<RelayEvent, byte[]> encoder, byte[] bytes) {
    }

    public RelayEvent(String eventId, String lobId, String contactId, PayloadType payloadType, Cursor cursor,
                      long timestampMs, byte[] notification) {
        this.eventId = Objects.requireNonNull(eventId, "eventId");
        this.lobId = Objects.requireNonNull(lobId, "lobId");
        this.contactId = Objects.requireNonNull(contactId, "contactId");
        this.payloadType = Objects.requireNonNull(payloadType, "payloadType");
        this.cursor = Objects.requireNonNull(cursor, "cursor");
        this.timestampMs = timestampMs;
        this.notification = Objects.requireNonNull(notification, "notification");
    }

    /** The envelope's {@code ce_id}: stable across redelivery, so clients can drop duplicates. */
    public String eventId() {
        return eventId;
    }

    public String lobId() {
        return lobId;
    }

    public String contactId() {
        return contactId;
    }

    public PayloadType payloadType() {
        return payloadType;
    }

    public Cursor cursor() {
        return cursor;
    }

    public int partition() {
        return cursor.partition();
    }

    public long offset() {
        return cursor.offset();
    }

    /** Kafka record timestamp in epoch milliseconds, the start of the delivery latency clock. */
    public long timestampMs() {
        return timestampMs;
    }

    /** The notification JSON (UTF-8) as produced. Callers must not modify the array. */
    public byte[] notification() {
        return notification;
    }

    /**
     * This event encoded by {@code encoder}, computed once per encoder and shared by all recipients.
     * The encoder must be a long-lived instance (compared by identity).
     */
    public byte[] encoded(Function<RelayEvent, byte[]> encoder) {
        Encoded current = memo;
        if (current != null && current.encoder() == encoder) {
            return current.bytes();
        }
        byte[] bytes = encoder.apply(this);
        memo = new Encoded(encoder, bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "RelayEvent[id=" + eventId + ", lob=" + lobId + ", contact=" + contactId + ", type=" + payloadType
                + ", partition=" + cursor.partition() + ", offset=" + cursor.offset() + ']';
    }
}
