package io.notifyrelay.bench.micro;

import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.core.InboundRecord;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The consumer thread's work per event without Kafka or sockets, stage by stage: a Kafka record turned into the
 * relay's inbound record, decoded into an event, its cursor encoded. Each benchmark includes the stages before it,
 * so the difference between two is the cost of one stage. Run with {@code -prof gc} for bytes per event
 * ({@code gc.alloc.rate.norm}); see docs/performance.md for how to run it and the figures.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ConsumerThreadBenchmark {

    /** A power of two, so the index wraps with a mask. */
    private static final int RECORDS = 4096;

    private final ConsumerRecord<byte[], byte[]>[] records = newRecordArray();
    private final EnvelopeDecoder decoder = new EnvelopeDecoder("AbCdEfGhIjKlMnOp", 262_144);
    private int next;

    @SuppressWarnings("unchecked")
    private static ConsumerRecord<byte[], byte[]>[] newRecordArray() {
        return new ConsumerRecord[RECORDS];
    }

    /** Records shaped like the seed's CONNECTION_RESPONSE, ~500 bytes, 12 partitions, 10 LOBs. */
    @Setup
    public void records() {
        String message = "You are now connected to Alice. ".repeat(12);
        for (int i = 0; i < RECORDS; i++) {
            String contact = "c" + i + "-843adb07-c0f3-4ad2-b08a-7680fe7eed8f";
            byte[] key = contact.getBytes(StandardCharsets.UTF_8);
            byte[] value = ("{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact
                    + "\",\"state\":\"accepted-invitation\",\"message\":\"" + message + "\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            RecordHeaders headers = new RecordHeaders();
            headers.add(new RecordHeader("ce_specversion", bytes("1.0")));
            headers.add(new RecordHeader("ce_id", bytes("event-" + i)));
            headers.add(new RecordHeader("ce_source", bytes("urn:notify-api")));
            headers.add(new RecordHeader("ce_type", bytes("notify.connection-response")));
            headers.add(new RecordHeader("ce_lobid", bytes("lob-" + (i % 10))));
            headers.add(new RecordHeader("content-type", bytes("application/json")));
            records[i] = new ConsumerRecord<>("notify.events", i % 12, i, 1_700_000_000_000L, TimestampType.CREATE_TIME,
                    key.length, value.length, key, value, headers, Optional.empty());
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private ConsumerRecord<byte[], byte[]> nextRecord() {
        return records[next++ & (RECORDS - 1)];
    }

    @Benchmark
    public InboundRecord toInbound() {
        return KafkaRecords.toInbound(nextRecord());
    }

    @Benchmark
    public RelayEvent decode() {
        DecodeResult result = decoder.decode(KafkaRecords.toInbound(nextRecord()));
        return ((DecodeResult.Accepted) result).event();
    }

    @Benchmark
    public String decodeAndEncodeCursor() {
        return decode().cursor().encode();
    }
}
