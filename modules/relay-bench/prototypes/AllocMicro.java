import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.websocket.internal.ServerFrames;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/** Consumer-thread work per event without Kafka or sockets: toInbound + decode + encode; ns and bytes per event. */
public class AllocMicro {
    public static void main(String[] a) throws Exception {
        int n = 4096;
        ConsumerRecord<byte[], byte[]>[] records = new ConsumerRecord[n];
        String pad = "You are now connected to Alice. ".repeat(12);
        for (int i = 0; i < n; i++) {
            String contact = "c" + i + "-843adb07-c0f3-4ad2-b08a-7680fe7eed8f".substring(0, 30);
            byte[] value = ("{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact
                    + "\",\"state\":\"accepted-invitation\",\"message\":\"" + pad + "\"},\"bt\":\"0000000000000000000\"}").getBytes(StandardCharsets.UTF_8);
            RecordHeaders h = new RecordHeaders();
            h.add(new RecordHeader("ce_specversion", "1.0".getBytes()));
            h.add(new RecordHeader("ce_id", ("burst-" + i).getBytes()));
            h.add(new RecordHeader("ce_source", "urn:notify-api".getBytes()));
            h.add(new RecordHeader("ce_type", "notify.connection-response".getBytes()));
            h.add(new RecordHeader("ce_lobid", ("lob-" + (i % 10)).getBytes()));
            h.add(new RecordHeader("content-type", "application/json".getBytes()));
            records[i] = new ConsumerRecord<>("notify.events", i % 12, i, 1700000000000L, TimestampType.CREATE_TIME,
                    contact.length(), value.length, contact.getBytes(), value, h, Optional.empty());
        }
        EnvelopeDecoder decoder = new EnvelopeDecoder("AbCdEfGhIjKlMnOp", 262144);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        double bestNs = Double.MAX_VALUE, bytes = 0;
        String sample = null;
        for (int round = 0; round < 15; round++) {
            int ops = 400_000;
            long a0 = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            long t0 = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                DecodeResult r = decoder.decode(KafkaRecords.toInbound(records[i & (n - 1)]));
                RelayEvent e = ((DecodeResult.Accepted) r).event();
                byte[] frame = e.encoded(ServerFrames.EVENT_ENCODER);
                sink += frame.length;
                if (sample == null) sample = new String(frame, StandardCharsets.UTF_8);
            }
            long t1 = System.nanoTime();
            long a1 = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            if (round >= 5) {
                bestNs = Math.min(bestNs, (t1 - t0) / (double) ops);
                bytes = (a1 - a0) / (double) ops;
            }
        }
        System.out.printf("per event: %.0f ns (best of 10), %.0f bytes allocated; frame %d bytes; sink %d%n", bestNs, bytes, sample.length(), sink % 7);
        System.out.println(sample.substring(0, 160) + "..." + sample.substring(sample.length() - 30));
    }
}
