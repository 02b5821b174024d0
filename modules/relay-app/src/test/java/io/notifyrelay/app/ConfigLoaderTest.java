package io.notifyrelay.app;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {

    static final String SECRET = "0123456789abcdef0123456789abcdef-and-more";
    static final String PEM = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n";

    /** A minimal valid environment, changed by name/value pairs (a null value removes the variable). */
    static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("RELAY_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
        env.put("RELAY_JWT_SECRET", SECRET);
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] == null) {
                env.remove(pairs[i]);
            } else {
                env.put(pairs[i], pairs[i + 1]);
            }
        }
        return env;
    }

    static RelayConfig load(Map<String, String> env, String... args) {
        return ConfigLoader.load(args, env);
    }

    static List<String> problems(Map<String, String> env, String... args) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(args, env));
        for (String problem : e.problems()) {
            assertTrue(e.getMessage().contains(problem), "the message lists every problem");
        }
        return e.problems();
    }

    /** The single problem reported, which must name {@code mustMention}. */
    static String problem(Map<String, String> env, String mustMention, String... args) {
        List<String> problems = problems(env, args);
        assertEquals(1, problems.size(), () -> "expected one problem, got " + problems);
        assertTrue(problems.get(0).contains(mustMention), () -> problems.get(0) + " should mention " + mustMention);
        return problems.get(0);
    }

    @Test
    void defaults() {
        RelayConfig config = load(env());

        assertEquals("localhost:9092", config.kafka().bootstrapServers());
        assertEquals("notify.events", config.kafka().topic());
        assertEquals("notify-relay", config.kafka().groupId());
        assertEquals("classic", config.kafka().groupProtocol());
        assertNull(config.kafka().groupInstanceId());
        assertEquals(262_144, config.kafka().maxRecordBytes());
        assertEquals(Map.of(), config.kafka().properties());
        assertEquals("anywhere", config.kafka().mode());
        assertEquals("murmur2", config.kafka().partitioner());
        assertEquals("0.0.0.0", config.http().host());
        assertEquals(8080, config.http().port());
        assertNull(config.http().advertisedUrl());
        assertArrayEquals(SECRET.getBytes(UTF_8), config.auth().jwtSecret());
        assertNull(config.auth().jwtPublicKeyPem());
        assertEquals(Duration.ofSeconds(30), config.auth().clockSkew());
        assertEquals(Duration.ofSeconds(10), config.auth().authTimeout());
        assertEquals(Duration.ofSeconds(25), config.sessions().heartbeatInterval());
        assertEquals(1_048_576L, config.sessions().maxBufferBytes());
        assertEquals(65_536, config.sessions().maxFrameBytes());
        assertEquals(1000, config.sessions().maxContactsPerSession());
        assertEquals(256, config.sessions().maxContactIdBytes());
        assertEquals(65_536, config.sessions().maxSubscriptionBytes());
        assertEquals(32, config.replay().maxQueuedPerSession());
        assertEquals(128, config.replay().maxQueuedPerLob());
        assertEquals(Duration.ofSeconds(10), config.shutdownTimeout());
        assertFalse(config.nodeId() == null || config.nodeId().isBlank(), "node id defaults to the host name");
    }

    @Test
    void environmentVariablesAreRead() {
        RelayConfig config = load(env(
                "RELAY_KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9093",
                "RELAY_TOPIC", "events.v2",
                "RELAY_GROUP_ID", "relay-eu",
                "RELAY_GROUP_PROTOCOL", "consumer",
                "RELAY_GROUP_INSTANCE_ID", "relay-eu-1",
                "RELAY_MODE", "owner",
                "RELAY_PARTITIONER", "consistent_random",
                "RELAY_NODE_ID", "node-7",
                "RELAY_HTTP_HOST", "127.0.0.1",
                "RELAY_HTTP_PORT", "9000",
                "RELAY_ADVERTISED_URL", "wss://relay-1.example.com/v1/ws",
                "RELAY_JWT_CLOCK_SKEW", "5s",
                "RELAY_AUTH_TIMEOUT", "2500ms",
                "RELAY_HEARTBEAT_INTERVAL", "1m",
                "RELAY_SESSION_MAX_BUFFER_BYTES", "2048",
                "RELAY_MAX_FRAME_BYTES", "1024",
                "RELAY_MAX_CONTACTS_PER_SESSION", "10",
                "RELAY_MAX_RECORD_BYTES", "4096",
                "RELAY_SHUTDOWN_TIMEOUT", "1h"));

        assertEquals("k1:9092,k2:9093", config.kafka().bootstrapServers());
        assertEquals("events.v2", config.kafka().topic());
        assertEquals("relay-eu", config.kafka().groupId());
        assertEquals("consumer", config.kafka().groupProtocol());
        assertEquals("relay-eu-1", config.kafka().groupInstanceId());
        assertEquals("owner", config.kafka().mode());
        assertEquals("consistent_random", config.kafka().partitioner());
        assertEquals("node-7", config.nodeId());
        assertEquals("127.0.0.1", config.http().host());
        assertEquals(9000, config.http().port());
        assertEquals("wss://relay-1.example.com/v1/ws", config.http().advertisedUrl());
        assertEquals(Duration.ofSeconds(5), config.auth().clockSkew());
        assertEquals(Duration.ofMillis(2500), config.auth().authTimeout());
        assertEquals(Duration.ofMinutes(1), config.sessions().heartbeatInterval());
        assertEquals(2048L, config.sessions().maxBufferBytes());
        assertEquals(1024, config.sessions().maxFrameBytes());
        assertEquals(10, config.sessions().maxContactsPerSession());
        assertEquals(4096, config.kafka().maxRecordBytes());
        assertEquals(Duration.ofHours(1), config.shutdownTimeout());
    }

    @Test
    void blankEnvironmentValuesCountAsUnset() {
        RelayConfig config = load(env("RELAY_TOPIC", "   ", "RELAY_HTTP_PORT", ""));
        assertEquals("notify.events", config.kafka().topic());
        assertEquals(8080, config.http().port());
    }

    @Nested
    class Flags {

        @Test
        void flagsOverrideEnvironmentVariables() {
            RelayConfig config = load(env("RELAY_HTTP_PORT", "9000", "RELAY_TOPIC", "from-env"),
                    "--http-port", "9100", "--topic=from-flag");
            assertEquals(9100, config.http().port());
            assertEquals("from-flag", config.kafka().topic());
        }

        @Test
        void flagsWorkWithoutAnyEnvironment() {
            RelayConfig config = ConfigLoader.load(new String[] {"--kafka-bootstrap-servers", "b:1",
                "--jwt-secret=" + SECRET}, Map.of());
            assertEquals("b:1", config.kafka().bootstrapServers());
        }

        @Test
        void bothFlagFormsAreAccepted() {
            assertEquals(9100, load(env(), "--http-port=9100").http().port());
            assertEquals(9100, load(env(), "--http-port", "9100").http().port());
        }

        @Test
        void equalsSignsAfterTheFirstBelongToTheValue() {
            assertEquals("a=b=c", load(env(), "--node-id=a=b=c").nodeId());
        }

        @Test
        void theLastOccurrenceOfAFlagWins() {
            assertEquals(2, load(env(), "--http-port=1", "--http-port", "2").http().port());
        }

        @Test
        void flagWithoutItsValueIsReported() {
            problem(env(), "--http-port", "--http-port");
        }

        @Test
        void unknownFlagIsReported() {
            String problem = problem(env(), "--htp-port=1", "--htp-port=1");
            assertTrue(problem.contains("--help"), problem);
        }

        @ParameterizedTest
        @ValueSource(strings = {"--help", "-h"})
        void helpIsRequestedEvenWhenTheRestIsInvalid(String help) {
            assertThrows(ConfigLoader.HelpRequested.class, () -> ConfigLoader.load(new String[] {help}, Map.of()));
            assertThrows(ConfigLoader.HelpRequested.class,
                    () -> ConfigLoader.load(new String[] {"--bogus", help, "--http-port"}, Map.of()));
        }
    }

    @Nested
    class KafkaProperties {

        @Test
        void environmentVariablesBecomeDottedLowerCaseProperties() {
            RelayConfig config = load(env("RELAY_KAFKA_PROPERTY_SECURITY_PROTOCOL", "SSL",
                    "RELAY_KAFKA_PROPERTY_SASL_MECHANISM", "SCRAM-SHA-512",
                    "RELAY_KAFKA_PROPERTY_MAX_POLL_RECORDS", "200"));
            assertEquals(Map.of("security.protocol", "SSL", "sasl.mechanism", "SCRAM-SHA-512",
                    "max.poll.records", "200"), config.kafka().properties());
        }

        @Test
        void repeatableFlagInBothForms() {
            RelayConfig config = load(env(), "--kafka-property", "security.protocol=SASL_SSL",
                    "--kafka-property=sasl.jaas.config=org.example.Login required user=\"u\" password=\"p=q\";");
            assertEquals("SASL_SSL", config.kafka().properties().get("security.protocol"));
            assertEquals("org.example.Login required user=\"u\" password=\"p=q\";",
                    config.kafka().properties().get("sasl.jaas.config"));
        }

        @Test
        void flagOverridesTheEnvironmentForTheSameProperty() {
            RelayConfig config = load(env("RELAY_KAFKA_PROPERTY_SECURITY_PROTOCOL", "SSL"),
                    "--kafka-property", "security.protocol=PLAINTEXT");
            assertEquals("PLAINTEXT", config.kafka().properties().get("security.protocol"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"no-equals-sign", "=value"})
        void malformedPropertyIsReported(String value) {
            problem(env(), "--kafka-property", "--kafka-property", value);
        }

        @ParameterizedTest
        @ValueSource(strings = {"bootstrap.servers", "group.id", "group.protocol", "group.instance.id",
            "enable.auto.commit", "key.deserializer", "value.deserializer"})
        void propertiesTheRelaySetsItselfAreRefusedAsFlags(String property) {
            problem(env(), property, "--kafka-property", property + "=x");
        }

        @ParameterizedTest
        @CsvSource({"RELAY_KAFKA_PROPERTY_BOOTSTRAP_SERVERS,bootstrap.servers",
            "RELAY_KAFKA_PROPERTY_GROUP_ID,group.id", "RELAY_KAFKA_PROPERTY_ENABLE_AUTO_COMMIT,enable.auto.commit"})
        void propertiesTheRelaySetsItselfAreRefusedAsEnvironmentVariables(String variable, String property) {
            problem(env(variable, "x"), property);
        }
    }

    @Nested
    class Validation {

        @Test
        void everyProblemIsReportedAtOnce() {
            List<String> problems = problems(env(
                    "RELAY_KAFKA_BOOTSTRAP_SERVERS", null,
                    "RELAY_HTTP_PORT", "eighty",
                    "RELAY_JWT_SECRET", "too-short",
                    "RELAY_HEARTBEAT_INTERVAL", "soon"),
                    "--bogus-flag=1",
                    "--kafka-property", "bootstrap.servers=elsewhere:9092");

            String all = String.join("\n", problems);
            assertTrue(problems.size() >= 6, all);
            for (String expected : List.of("RELAY_KAFKA_BOOTSTRAP_SERVERS", "RELAY_HTTP_PORT", "RELAY_JWT_SECRET",
                    "RELAY_HEARTBEAT_INTERVAL", "--bogus-flag", "bootstrap.servers")) {
                assertEquals(1, problems.stream().filter(p -> p.contains(expected)).count(),
                        () -> "one problem about " + expected + " in:\n" + all);
            }
        }

        @Test
        void aSubscriptionBoundSmallerThanOneContactIdIsRefused() {
            problem(env("RELAY_MAX_CONTACT_ID_BYTES", "512", "RELAY_MAX_SUBSCRIPTION_BYTES", "256"),
                    "RELAY_MAX_SUBSCRIPTION_BYTES must be at least RELAY_MAX_CONTACT_ID_BYTES");
        }

        @ParameterizedTest
        @ValueSource(strings = {"RELAY_MAX_CONTACT_ID_BYTES", "RELAY_MAX_SUBSCRIPTION_BYTES",
                "RELAY_REPLAY_MAX_QUEUED_PER_SESSION", "RELAY_REPLAY_MAX_QUEUED_PER_LOB"})
        void sessionBoundsMustBePositive(String name) {
            assertTrue(problems(env(name, "0")).stream().anyMatch(p -> p.contains(name + " must be greater than 0")));
        }

        @Test
        void missingBootstrapServers() {
            problem(env("RELAY_KAFKA_BOOTSTRAP_SERVERS", null), "RELAY_KAFKA_BOOTSTRAP_SERVERS");
        }

        @ParameterizedTest
        @ValueSource(strings = {"localhost", "localhost:", ":9092", "a:1,", "a:1, b:2", "a:port"})
        void malformedBootstrapServers(String servers) {
            problem(env("RELAY_KAFKA_BOOTSTRAP_SERVERS", servers), "RELAY_KAFKA_BOOTSTRAP_SERVERS");
        }

        @ParameterizedTest
        @ValueSource(strings = {"-1", "65536", "99999", "eighty", "80.5", ""})
        void badPort(String port) {
            if (port.isEmpty()) {
                problem(env(), "RELAY_HTTP_PORT", "--http-port=");
            } else {
                problem(env("RELAY_HTTP_PORT", port), "RELAY_HTTP_PORT");
            }
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 1, 65535})
        void portsInRange(int port) {
            assertEquals(port, load(env("RELAY_HTTP_PORT", Integer.toString(port))).http().port());
        }

        @Test
        void secretShorterThan32Bytes() {
            String problem = problem(env("RELAY_JWT_SECRET", "x".repeat(31)), "RELAY_JWT_SECRET");
            assertTrue(problem.contains("32"), problem);
        }

        @Test
        void secretLengthIsCountedInUtf8Bytes() {
            // 16 characters, 32 bytes
            assertEquals(32, load(env("RELAY_JWT_SECRET", "é".repeat(16))).auth().jwtSecret().length);
        }

        @Test
        void noWayToVerifyTokens() {
            String problem = problems(env("RELAY_JWT_SECRET", null)).get(0);
            assertTrue(problem.contains("RELAY_JWT_SECRET") && problem.contains("RELAY_JWT_PUBLIC_KEY"), problem);
        }

        @ParameterizedTest
        @CsvSource({"CONSUMER,consumer", "Classic,classic"})
        void groupProtocolIsCaseInsensitive(String given, String expected) {
            assertEquals(expected, load(env("RELAY_GROUP_PROTOCOL", given)).kafka().groupProtocol());
        }

        @Test
        void unknownGroupProtocol() {
            problem(env("RELAY_GROUP_PROTOCOL", "kip848"), "RELAY_GROUP_PROTOCOL");
        }

        @Test
        void unknownMode() {
            problem(env("RELAY_MODE", "cluster"), "RELAY_MODE must be 'anywhere'");
        }

        /** The names the modes had before serve-anywhere still start a node, as the mode they became. */
        @ParameterizedTest
        @CsvSource({"anywhere,anywhere", "broadcast,anywhere", "OWNER,owner", "group,owner", " Group ,owner"})
        void modeNamesOldAndNew(String given, String expected) {
            assertEquals(expected, load(env("RELAY_MODE", given)).kafka().mode());
        }

        @ParameterizedTest
        @CsvSource({"java,murmur2", "kafkajs,murmur2", "MURMUR2,murmur2", "librdkafka,consistent_random",
            "crc32,consistent_random"})
        void partitionerAliases(String given, String expected) {
            assertEquals(expected, load(env("RELAY_PARTITIONER", given)).kafka().partitioner());
        }

        @Test
        void unknownPartitioner() {
            problem(env("RELAY_PARTITIONER", "fnv1a"), "RELAY_PARTITIONER");
        }

        @ParameterizedTest
        @ValueSource(strings = {"http://relay:8080/v1/ws", "relay:8080", "ws://", "ws://has space/v1/ws"})
        void advertisedUrlMustBeAWebSocketUrl(String url) {
            problem(env("RELAY_ADVERTISED_URL", url), "RELAY_ADVERTISED_URL");
        }

        @ParameterizedTest
        @ValueSource(strings = {"RELAY_TOPIC", "RELAY_GROUP_ID", "RELAY_HTTP_HOST"})
        void requiredTextMustNotBeEmpty(String variable) {
            ConfigOption option = ConfigOption.valueOf(variable.substring("RELAY_".length()));
            problem(env(), variable, option.flag() + "=");
        }

        @ParameterizedTest
        @ValueSource(strings = {"0", "-5"})
        void sizesMustBePositive(String value) {
            String problem = problem(env("RELAY_MAX_FRAME_BYTES", value), "RELAY_MAX_FRAME_BYTES");
            assertTrue(problem.contains("greater than 0"), problem);
        }

        @Test
        void sizeThatIsNotANumberIsReportedOnce() {
            String problem = problem(env("RELAY_MAX_RECORD_BYTES", "lots"), "RELAY_MAX_RECORD_BYTES");
            assertTrue(problem.contains("lots"), problem);
        }
    }

    @Nested
    class Durations {

        @ParameterizedTest
        @CsvSource({"500ms,500", "10s,10000", "2m,120000", "1h,3600000", "10 s,10000", "10S,10000", "PT1.5S,1500",
            "PT2M,120000", "0s,0"})
        void forms(String text, long millis) {
            // a duration setting that takes 0 and 1h alike (the clock skew is capped at 5m)
            assertEquals(Duration.ofMillis(millis), load(env("RELAY_TOKEN_EXPIRY_WARNING", text)).auth().tokenExpiry().warning());
        }

        @ParameterizedTest
        @ValueSource(strings = {"soon", "10", "10sec", "1.5s", "-5s", "s", "10d"})
        void malformedDurationIsReportedOnce(String text) {
            String problem = problem(env("RELAY_AUTH_TIMEOUT", text), "RELAY_AUTH_TIMEOUT");
            assertTrue(problem.contains(text), problem);
        }

        @ParameterizedTest
        @ValueSource(strings = {"0s", "0ms", "PT0S", "PT-5S"})
        void timeoutsMustBePositive(String text) {
            problem(env("RELAY_HEARTBEAT_INTERVAL", text), "RELAY_HEARTBEAT_INTERVAL");
        }

        /** A typo with too many digits must be a reported problem, not an exception out of load(). */
        @ParameterizedTest
        @ValueSource(strings = {"99999999999999999999s", "9999999999999999h"})
        void absurdlyLargeDurationIsReportedNotThrown(String text) {
            problem(env("RELAY_SHUTDOWN_TIMEOUT", text), "RELAY_SHUTDOWN_TIMEOUT");
        }
    }

    @Nested
    class PublicKey {

        @Test
        void pemTextFromTheEnvironment() {
            RelayConfig config = load(env("RELAY_JWT_SECRET", null, "RELAY_JWT_PUBLIC_KEY", PEM));
            assertNull(config.auth().jwtSecret());
            assertEquals(PEM.trim(), config.auth().jwtPublicKeyPem().trim());
        }

        @Test
        void pemFileFromAPath(@TempDir Path dir) throws Exception {
            Path file = dir.resolve("relay-public.pem");
            Files.writeString(file, PEM);
            RelayConfig config = load(env("RELAY_JWT_SECRET", null), "--jwt-public-key", file.toString());
            assertEquals(PEM, config.auth().jwtPublicKeyPem());
        }

        @Test
        void unreadablePathIsReported(@TempDir Path dir) {
            String missing = dir.resolve("nope.pem").toString();
            String problem = problem(env("RELAY_JWT_SECRET", null, "RELAY_JWT_PUBLIC_KEY", missing),
                    "RELAY_JWT_PUBLIC_KEY");
            assertTrue(problem.contains(missing), problem);
        }

        @Test
        void secretAndKeyTogether() {
            RelayConfig config = load(env("RELAY_JWT_PUBLIC_KEY", PEM));
            assertTrue(config.auth().jwtSecret() != null && config.auth().jwtPublicKeyPem() != null);
        }
    }

    @Nested
    class Options {

        @Test
        void namesFollowOneRule() {
            assertEquals("RELAY_HTTP_PORT", ConfigOption.HTTP_PORT.envName());
            assertEquals("--http-port", ConfigOption.HTTP_PORT.flag());
            assertEquals("--kafka-bootstrap-servers", ConfigOption.KAFKA_BOOTSTRAP_SERVERS.flag());
        }

        @Test
        void referenceListsEveryOption() {
            String reference = ConfigOption.reference();
            for (ConfigOption option : ConfigOption.values()) {
                assertTrue(reference.contains(option.envName()), option::name);
                assertTrue(reference.contains(option.flag()), option::name);
            }
            assertEquals(ConfigOption.values().length, reference.lines().count());
        }

        @Test
        void everyOptionWithADefaultLoadsWithIt() {
            List<String> flags = ConfigOption.all().stream()
                    .filter(o -> o.defaultValue() != null && o != ConfigOption.KAFKA_PROPERTY)
                    .map(o -> o.flag() + "=" + o.defaultValue())
                    .collect(Collectors.toList());
            assertEquals(load(env()).kafka(), load(env(), flags.toArray(new String[0])).kafka());
        }
    }

    @Test
    void kafkaStartupTimeoutDefaultsToThirtySecondsAndIsBounded() {
        assertEquals(Duration.ofSeconds(30), load(env()).kafka().startupTimeout());
        assertEquals(Duration.ofSeconds(5), load(env("RELAY_KAFKA_STARTUP_TIMEOUT", "5s")).kafka().startupTimeout());
        problem(env("RELAY_KAFKA_STARTUP_TIMEOUT", "11m"), "RELAY_KAFKA_STARTUP_TIMEOUT");
        problem(env("RELAY_KAFKA_STARTUP_TIMEOUT", "0s"), "RELAY_KAFKA_STARTUP_TIMEOUT");
    }
}
