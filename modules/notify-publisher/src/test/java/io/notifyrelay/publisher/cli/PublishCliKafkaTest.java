package io.notifyrelay.publisher.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.publisher.Examples;
import io.notifyrelay.publisher.ReadBack;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The CLI with its real Kafka publisher, configured from the environment as scripts/publish runs it. */
@RealKafka
class PublishCliKafkaTest {

    private static final Pattern RESULT =
            Pattern.compile("topic=(\\S+) partition=(\\d+) offset=(\\d+) eventId=(\\S+) .*");

    @Test
    void publishesAnExampleToTheClusterNamedByTheEnvironment(KafkaBackend kafka) {
        String topic = "notify.events.cli-" + UUID.randomUUID();
        kafka.createTopic(topic, 3);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PublishCli cli = new PublishCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]),
                Map.of("RELAY_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "RELAY_TOPIC", topic),
                PublishCli::kafkaPublisher);

        int exit = cli.run("--lob", "lob-acme", "--example", "verification-success");

        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        String line = out.toString(StandardCharsets.UTF_8).strip();
        Matcher result = RESULT.matcher(line);
        assertTrue(result.matches(), line);
        assertEquals(topic, result.group(1));
        ConsumerRecord<byte[], byte[]> record = ReadBack.records(kafka, topic, Integer.parseInt(result.group(2)),
                Long.parseLong(result.group(3)), 1).get(0);
        assertArrayEquals(Examples.valid("verification-success"), record.value());
        assertEquals(result.group(4), new String(record.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8));
        assertEquals("lob-acme", new String(record.headers().lastHeader("ce_lobid").value(), StandardCharsets.UTF_8));
    }
}
