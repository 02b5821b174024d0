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
    /** {@link #expiresAtMs()} of an event that carries no {@code expirytime}. */
    public static final long NO_EXPIRY = Long.MAX_VALUE;

    private final String eventId;
    private final String lobId;
    private final String contactId;
    private final PayloadType payloadType;
    private final Cursor cursor;
    private final long timestampMs;
    private final byte[] notification;
    /** W3C trace context to offer clients in the event frame, or null. */
    private final String traceparent;
    private final String tracestate;
    private final long expiresAtMs;

    private volatile Encoded memo;

    private record Encoded(Function<RelayEvent, byte[]> encoder, byte[] bytes) {
    }

    public RelayEvent(String eventId, String lobId, String contactId, PayloadType payloadType, Cursor cursor,
                      long timestampMs, byte[] notification) {
        this(eventId, lobId, contactId, payloadType, cursor, timestampMs, notification, null, null);
    }

    /**
     * @param traceparent a valid W3C traceparent (see {@link TraceHeaders}) or null
     * @param tracestate  its tracestate, or null
     */
    public RelayEvent(String eventId, String lobId, String contactId, PayloadType payloadType, Cursor cursor,
                      long timestampMs, byte[] notification, String traceparent, String tracestate) {
        this(eventId, lobId, contactId, payloadType, cursor, timestampMs, notification, traceparent, tracestate,
                NO_EXPIRY);
    }

    /**
     * @param expiresAtMs the CloudEvents {@code expirytime} in epoch milliseconds, or {@link #NO_EXPIRY}
     */
    public RelayEvent(String eventId, String lobId, String contactId, PayloadType payloadType, Cursor cursor,
                      long timestampMs, byte[] notification, String traceparent, String tracestate, long expiresAtMs) {
        this.expiresAtMs = expiresAtMs;
        this.traceparent = traceparent;
        this.tracestate = tracestate;
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
     * The W3C traceparent clients get in the event frame, so a front-end can continue the trace: the producer's
     * as it came with the record, or the relay's own span when tracing is on. Null when there is none.
     */
    public String traceparent() {
        return traceparent;
    }

    public String tracestate() {
        return tracestate;
    }

    /** The same event with another traceparent to offer clients (the relay's span continuing the producer's). */
    public RelayEvent withTraceparent(String traceparent, String tracestate) {
        return new RelayEvent(eventId, lobId, contactId, payloadType, cursor, timestampMs, notification, traceparent,
                tracestate, expiresAtMs);
    }

    /** When the producer said the event stops being worth showing (epoch ms), or {@link #NO_EXPIRY}. */
    public long expiresAtMs() {
        return expiresAtMs;
    }

    /** Whether the event's expiry time has passed at {@code nowMs}: it must then reach no session. */
    public boolean isExpiredAt(long nowMs) {
        return expiresAtMs != NO_EXPIRY && nowMs >= expiresAtMs;
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
