package io.notifyrelay.publisher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.publisher.Examples;
import io.notifyrelay.publisher.NotifyPublisher;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishCliTest {

    private static final String FABER_SIDE_CONTACT = "843adb07-c0f3-4ad2-b08a-7680fe7eed8f";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    /** The options the CLI built its publisher from; null while it has not tried to reach Kafka. */
    private final AtomicReference<CliOptions> publisherOptions = new AtomicReference<>();

    private int run(Map<String, String> env, byte[] stdin, String... args) {
        PublishCli cli = new PublishCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(stdin), env,
                options -> {
                    publisherOptions.set(options);
                    return NotifyPublisher.builder().producer(producer).topic(options.topic()).source(options.source())
                            .build();
                });
        return cli.run(args);
    }

    private int run(String... args) {
        return run(Map.of(), new byte[0], args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    // --- parsing ---

    @Test
    void defaultsComeFromTheEnvironmentThenBuiltIns() throws UsageException {
        CliOptions builtIn = CliOptions.parse(List.of("--lob", "lob-a", "--example", "connection-accepted"), Map.of());
        assertEquals("localhost:9092", builtIn.bootstrapServers());
        assertEquals("notify.events", builtIn.topic());
        assertEquals("urn:notify-api", builtIn.source());
        assertNull(builtIn.contactId());

        Map<String, String> env = Map.of("RELAY_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092", "RELAY_TOPIC", "t1");
        CliOptions fromEnv = CliOptions.parse(List.of("--lob", "lob-a", "--file", "n.json"), env);
        assertEquals("kafka-1:9092,kafka-2:9092", fromEnv.bootstrapServers());
        assertEquals("t1", fromEnv.topic());
        assertEquals(Path.of("n.json"), fromEnv.file());

        CliOptions explicit = CliOptions.parse(List.of("--bootstrap-servers=b:1", "--topic", "t2", "--lob=lob-a",
                "--contact", "c-1", "--source", "urn:x", "--file", "-"), env);
        assertEquals(new CliOptions("b:1", "t2", "urn:x", "lob-a", "c-1", Path.of("-"), null, false, false), explicit);
    }

    @Test
    void ttlTakesShortAndIsoDurations() throws UsageException {
        assertEquals(java.time.Duration.ofMinutes(10), CliOptions.parse(List.of("--lob", "l", "--example",
                "connection-accepted", "--ttl", "10m"), Map.of()).ttl());
        assertEquals(java.time.Duration.ofSeconds(90), CliOptions.parse(List.of("--lob", "l", "--example",
                "connection-accepted", "--ttl=PT90S"), Map.of()).ttl());
        assertNull(CliOptions.parse(List.of("--lob", "l", "--example", "connection-accepted"), Map.of()).ttl());
        for (String bad : List.of("0s", "soon", "-5m", "PT0S")) {
            assertThrows(UsageException.class, () -> CliOptions.parse(List.of("--lob", "l", "--example",
                    "connection-accepted", "--ttl", bad), Map.of()), bad);
        }
    }

    @Test
    void malformedCommandLinesAreUsageErrors() {
        List<List<String>> bad = List.of(
                List.of("--example", "connection-accepted"),
                List.of("--lob", "lob-a"),
                List.of("--lob", "lob-a", "--file", "a.json", "--example", "connection-accepted"),
                List.of("--lob", "lob-a", "--example"),
                List.of("--lob", "lob-a", "--lob", "lob-b", "--example", "connection-accepted"),
                List.of("--lob", " ", "--example", "connection-accepted"),
                List.of("--lob", "lob-a", "--example", "connection-accepted", "--verbose"),
                List.of("--help=yes"));
        for (List<String> args : bad) {
            assertThrows(UsageException.class, () -> CliOptions.parse(args, Map.of()), args::toString);
        }
    }

    @Test
    void usageErrorExitsWith2WithoutTouchingKafka() {
        assertEquals(2, run("--example", "connection-accepted"));

        assertTrue(err().contains("--lob is required"), err());
        assertNull(publisherOptions.get());
    }

    @Test
    void helpPrintsUsage() {
        assertEquals(0, run("--help"));

        assertTrue(out().startsWith("Usage: publish"), out());
        assertTrue(out().contains("Exit codes"));
    }

    @Test
    void listExamplesNamesEveryValidExampleOfTheContract() throws IOException {
        List<String> expected;
        try (Stream<Path> files = Files.list(Examples.SCHEMAS_DIR.resolve("examples/valid"))) {
            expected = files.map(f -> f.getFileName().toString().replace(".json", "")).sorted().toList();
        }

        assertEquals(0, run("--list-examples"));

        assertFalse(expected.isEmpty());
        assertEquals(expected, out().lines().toList());
    }

    // --- publishing ---

    @Test
    void publishesABundledExampleAndPrintsWhereItLanded() {
        int exit = run(Map.of("RELAY_TOPIC", "notify.cli"), new byte[0], "--lob", "lob-faber", "--example", "connection-accepted");

        assertEquals(0, exit, err());
        List<String> lines = out().lines().toList();
        assertEquals(1, lines.size(), out());
        assertTrue(lines.get(0).matches("topic=notify\\.cli partition=0 offset=0 eventId=[0-9a-f-]{36} timestamp=\\S+ "
                + "traceparent=00-[0-9a-f]{32}-[0-9a-f]{16}-01 contactId=" + FABER_SIDE_CONTACT + " lobId=lob-faber type=notify\\.connection-response"), lines.get(0));
        ProducerRecord<byte[], byte[]> record = producer.history().get(0);
        assertEquals(FABER_SIDE_CONTACT, new String(record.key(), StandardCharsets.UTF_8));
        assertEquals("lob-faber", new String(record.headers().lastHeader("ce_lobid").value(), StandardCharsets.UTF_8));
        assertEquals("notify.cli", record.topic());
        assertTrue(producer.closed(), "the CLI closes its publisher");
    }

    @Test
    void publishesAFileUnderTheGivenContact(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("n.json");
        Files.write(file, Examples.valid("verification-success"));

        assertEquals(0, run("--lob", "lob-acme", "--contact", FABER_SIDE_CONTACT, "--file", file.toString()), err());

        assertEquals(FABER_SIDE_CONTACT, new String(producer.history().get(0).key(), StandardCharsets.UTF_8));
    }

    @Test
    void publishesFromStandardInput() {
        int exit = run(Map.of(), Examples.valid("issuance-done"), "--lob", "lob-acme", "--file", "-");

        assertEquals(0, exit, err());
        assertEquals(1, producer.history().size());
    }

    @Test
    void invalidNotificationExitsWith2ListingTheProblemsWithoutTouchingKafka() {
        int exit = run(Map.of(), Examples.invalid("connection-state-unknown"), "--lob", "lob-a", "--file", "-");

        assertEquals(2, exit);
        assertTrue(err().contains("/payload/state"), err());
        assertNull(publisherOptions.get());
    }

    @Test
    void contactThatDiffersFromTheNotificationExitsWith2() {
        assertEquals(2, run("--lob", "lob-a", "--contact", "other", "--example", "connection-accepted"));

        assertTrue(err().contains("differs"), err());
        assertTrue(producer.history().isEmpty());
    }

    @Test
    void missingFileAndUnknownExampleExitWith2() {
        assertEquals(2, run("--lob", "lob-a", "--file", "/no/such/notification.json"));
        assertTrue(err().contains("no such file"), err());

        assertEquals(2, run("--lob", "lob-a", "--example", "connection-exploded"));
        assertTrue(err().contains("connection-accepted"), "lists the known examples: " + err());
    }

    @Test
    void kafkaFailureExitsWith1() {
        producer.close();

        assertEquals(1, run("--lob", "lob-a", "--example", "connection-accepted"));

        assertTrue(err().contains("Kafka did not accept"), err());
    }

    @Test
    void unusableBootstrapServersExitWith2() {
        PublishCli cli = new PublishCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]), Map.of(),
                PublishCli::kafkaPublisher);

        assertEquals(2, cli.run("--bootstrap-servers", "not a host list", "--lob", "lob-a",
                "--example", "connection-accepted"));
        assertTrue(err().contains("bad Kafka setting"), err());
    }

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private void assertSentTraceparent() {
        assertEquals(1, producer.history().size());
        assertEquals(TRACEPARENT, new String(producer.history().get(0).headers().lastHeader("ce_traceparent").value(),
                StandardCharsets.UTF_8));
    }

    @Test
    void continuesTheTraceGivenByFlag() {
        assertEquals(0, run("--lob", "lob-faber", "--example", "connection-accepted", "--traceparent", TRACEPARENT), err());
        assertSentTraceparent();
    }

    @Test
    void continuesTheTraceGivenInTheEnvironment() {
        assertEquals(0, run(Map.of("TRACEPARENT", TRACEPARENT), new byte[0], "--lob", "lob-faber", "--example",
                "connection-accepted"), err());
        assertSentTraceparent();
    }

    @Test
    void refusesAMalformedTraceparent() {
        assertEquals(2, run("--lob", "lob-faber", "--example", "connection-accepted", "--traceparent", "not-a-trace"));
        assertTrue(err().contains("--traceparent must be a W3C traceparent"), err());
        assertEquals(0, producer.history().size());
    }
}
