package io.notifyrelay.publisher;

import java.time.Instant;

/**
 * Where a notification landed.
 *
 * @param topic     the topic it was written to
 * @param partition the partition the record key hashed to
 * @param offset    its offset in that partition
 * @param eventId   the {@code ce_id} it was published with; the relay hands it to front-ends as the event id
 * @param timestamp the record timestamp as acknowledged by the broker
 * @param traceparent the W3C trace context sent as {@code ce_traceparent}: the relay continues this trace and offers
 *                  it to front-ends in the event frame
 */
public record PublishResult(String topic, int partition, long offset, String eventId, Instant timestamp,
                            String traceparent) {

    public PublishResult(String topic, int partition, long offset, String eventId, Instant timestamp) {
        this(topic, partition, offset, eventId, timestamp, null);
    }

    /** One line, e.g. {@code topic=notify.events partition=3 offset=42 eventId=…}. */
    public String describe() {
        return "topic=" + topic + " partition=" + partition + " offset=" + offset + " eventId=" + eventId
                + " timestamp=" + timestamp + (traceparent == null ? "" : " traceparent=" + traceparent);
    }
}
