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
 */
public record PublishResult(String topic, int partition, long offset, String eventId, Instant timestamp) {

    /** One line, e.g. {@code topic=notify.events partition=3 offset=42 eventId=…}. */
    public String describe() {
        return "topic=" + topic + " partition=" + partition + " offset=" + offset + " eventId=" + eventId
                + " timestamp=" + timestamp;
    }
}
