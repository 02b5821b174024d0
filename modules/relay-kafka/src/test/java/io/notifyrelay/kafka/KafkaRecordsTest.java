package io.notifyrelay.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.notifyrelay.core.InboundRecord;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class KafkaRecordsTest {

    private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value, RecordHeaders headers) {
        return new ConsumerRecord<>("notify.events", 5, 321L, 1_700_000_000_000L, TimestampType.CREATE_TIME,
                key == null ? -1 : key.length, value == null ? -1 : value.length, key, value, headers, Optional.empty());
    }

    @Test
    void copiesPositionKeyValueAndHeaders() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_lobid", "lob-a".getBytes(UTF_8));
        headers.add("ce_id", "evt-1".getBytes(UTF_8));
        byte[] key = "contact-1".getBytes(UTF_8);
        byte[] value = "{}".getBytes(UTF_8);

        InboundRecord inbound = KafkaRecords.toInbound(record(key, value, headers));

        assertEquals("notify.events", inbound.topic());
        assertEquals(5, inbound.partition());
        assertEquals(321L, inbound.offset());
        assertEquals(1_700_000_000_000L, inbound.timestampMs());
        assertArrayEquals(key, inbound.key());
        assertArrayEquals(value, inbound.value());
        assertArrayEquals("lob-a".getBytes(UTF_8), inbound.headers().get("ce_lobid"));
        assertArrayEquals("evt-1".getBytes(UTF_8), inbound.headers().get("ce_id"));
        assertEquals("notify.events/5@321", inbound.where());
    }

    @Test
    void lastHeaderOfANameWins() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_lobid", "first".getBytes(UTF_8));
        headers.add("ce_lobid", "last".getBytes(UTF_8));
        InboundRecord inbound = KafkaRecords.toInbound(record(new byte[] {1}, new byte[] {2}, headers));
        assertArrayEquals("last".getBytes(UTF_8), inbound.headers().get("ce_lobid"));
    }

    @Test
    void headersWithoutValueAreLeftOut() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_id", null);
        InboundRecord inbound = KafkaRecords.toInbound(record(new byte[] {1}, new byte[] {2}, headers));
        assertFalse(inbound.headers().containsKey("ce_id"));
    }

    @Test
    void nullKeyAndValueAreKept() {
        InboundRecord inbound = KafkaRecords.toInbound(record(null, null, new RecordHeaders()));
        assertNull(inbound.key());
        assertNull(inbound.value());
        assertEquals(0, inbound.headers().size());
    }
}
