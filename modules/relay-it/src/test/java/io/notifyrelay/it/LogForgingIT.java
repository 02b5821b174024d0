package io.notifyrelay.it;

import io.notifyrelay.it.attack.AttackCanary;
import io.notifyrelay.it.attack.RelayProcess;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, finding 8: a newline in {@code ce_specversion}, {@code content-type} or {@code payloadType} landed
 * verbatim in the text log's "Skipped record" warning, forging lines such as {@code ... ERROR [main]
 * i.n.app.RelayNode - FORGED}. Runs the node as shipped (its own process, its own logback.xml, text format) and
 * reads its stdout; a canary of another LOB measures delivery latency meanwhile.
 */
@RealKafka
class LogForgingIT {

    private static final String FORGED = "12:00:00.000 ERROR [main] i.n.app.RelayNode - FORGED";
    /** A line of the relay's own that begins like the forged entry. */
    private static final Pattern FORGED_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ERROR \\[main\\] "
            + "i\\.n\\.app\\.RelayNode - FORGED.*");
    private static final int FLOOD = 3_000;

    @Test
    void producerValuesCannotForgeLogLinesOrFloodTheLog(KafkaBackend kafka) throws Exception {
        String topic = TestRelays.uniqueName("log-forging");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        Map<String, String> env = TestRelays.env(kafka, topic, TestRelays.uniqueName("group"));
        env.put("RELAY_DEAD_LETTER_TOPIC", "none"); // the log is under test, not the copies
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (RelayProcess relay = RelayProcess.start(env);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                     new ByteArraySerializer());
             AttackCanary canary = AttackCanary.connect(relay.webSocketUri(), TestRelays.SECRET,
                     kafka.bootstrapServers(), topic)) {
            canary.quiet(Duration.ofSeconds(2)); // a fresh process: let its JIT warm up before the baseline counts
            AttackCanary.Latencies quiet = canary.quiet(Duration.ofSeconds(2));
            AttackCanary.Latencies attack = canary.during("finding 8", () -> {
                // 1,000 bad records a second for 3 s: a producer gone wrong, not a broker benchmark (a burst all at
                // once would sit ahead of the canary's markers in their partitions, whatever the relay does)
                long next = System.nanoTime();
                for (int i = 0; i < FLOOD; i++) {
                    producer.send(forged(topic, i % 4, "#" + i));
                    if (i % 100 == 99) {
                        producer.flush();
                        next += 100_000_000L;
                        java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime()); // the pace, not a wait for a condition
                    }
                }
                producer.flush();
            });
            canary.assertKeptUp(quiet, attack);
            // a last bad record, logged once the flood's second is over: every line before it has been written
            String marker = "MARKER-" + UUID.randomUUID();
            await("the marker's Skipped record line").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        producer.send(forged(topic, 0, marker)).get();
                        return relay.lines().stream().anyMatch(line -> line.contains(marker));
                    });
            List<String> lines = relay.lines();
            List<String> forgedLines = lines.stream().filter(line -> FORGED_LINE.matcher(line).matches())
                    .collect(Collectors.toList());
            assertTrue(forgedLines.isEmpty(), "forged log lines: " + forgedLines);
            List<String> skipped = lines.stream().filter(line -> line.contains("Skipped record"))
                    .collect(Collectors.toList());
            // (the relay shows content types in lower case)
            for (String kind : List.of("ce_specversion 1.0\\n", "content-type application/json\\r\\n", "payloadType X\\n")) {
                String expected = (kind + FORGED).toLowerCase(java.util.Locale.ROOT);
                assertTrue(skipped.stream().anyMatch(line -> line.toLowerCase(java.util.Locale.ROOT).contains(expected)),
                        "a Skipped record line shows the escaped " + kind + ": " + skipped.subList(0,
                                Math.min(5, skipped.size())));
            }
            assertFalse(lines.stream().anyMatch(line -> line.contains("FORGED") && !line.contains("Skipped record")),
                    "a forged value outside its Skipped record line");
            // rate-limited: at most 20 a second, and the suppressed ones are counted
            Map<String, Long> perSecond = new TreeMap<>(skipped.stream()
                    .collect(Collectors.groupingBy(line -> line.substring(0, 8), Collectors.counting())));
            assertTrue(perSecond.values().stream().allMatch(count -> count <= 20), "lines per second: " + perSecond);
            assertTrue(skipped.stream().anyMatch(line -> line.contains("similar lines left out before this one")),
                    "the count of lines left out is logged");
            System.out.println("[attack] finding 8 (log forging): " + FLOOD + " records with CR/LF in ce_specversion,"
                    + " content-type and payloadType: 0 forged lines, " + skipped.size() + " Skipped record lines"
                    + " (per second " + perSecond.values() + "), CR/LF shown as \\n/\\r; canary " + attack);
        }
    }

    /** A record the relay must skip, with a forged log line in one of its producer-chosen values. */
    private static ProducerRecord<byte[], byte[]> forged(String topic, int kind, String tag) {
        String contact = UUID.randomUUID().toString();
        String value = kind == 2
                ? "{\"payloadType\":\"X\\n" + FORGED + " " + tag + "\",\"payload\":{}}"
                : Notifications.connection(contact, "accepted-invitation");
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, contact.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_specversion", (kind == 0 ? "1.0\n" + FORGED + " " + tag : "1.0")
                .getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_source", "/attack".getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_type", "notify.connection-response".getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_lobid", "attacker".getBytes(StandardCharsets.UTF_8));
        String contentType = kind == 1 ? "application/json\r\n" + FORGED + " " + tag
                : kind == 3 ? "text/plain\n" + FORGED + " " + tag : "application/json";
        record.headers().add("content-type", contentType.getBytes(StandardCharsets.UTF_8));
        return record;
    }
}
