package io.notifyrelay.core;

import java.util.Map;

/**
 * A record as it arrived from the topic, stripped of any Kafka type so the envelope rules can be
 * applied and tested without a broker. Header values are the raw bytes; the last header of a name wins.
 */
public record InboundRecord(String topic, int partition, long offset, long timestampMs, byte[] key,
                            Map<String, byte[]> headers, byte[] value) {
    public InboundRecord {
        headers = Map.copyOf(headers);
    }

    public String where() {
        return topic + '/' + partition + '@' + offset;
    }
}
