package io.notifyrelay.dev;

import io.notifyrelay.app.ConfigException;
import io.notifyrelay.app.ConfigLoader;
import io.notifyrelay.app.RelayConfig;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.kafka.ConsumerFactory;
import io.notifyrelay.testkit.EmbeddedKraftKafka;
import io.notifyrelay.testkit.TestTokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * {@code ./scripts/dev}: the relay with everything needed to see an event arrive. Starts an embedded
 * single-node KRaft broker on localhost:9092 unless {@code RELAY_KAFKA_BOOTSTRAP_SERVERS} names one,
 * creates the topic, starts a relay node and prints how to connect and publish.
 */
public final class DevMain {

    static final String DEV_SECRET = "notify-relay-dev-secret-not-for-production-0123456789";
    static final String SAMPLE_LOB = "faber-college";
    private static final int DEV_BROKER_PORT = 9092;

    private DevMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putIfAbsent("RELAY_JWT_SECRET", DEV_SECRET);
        boolean secretFromEnv = !isBlank(System.getenv("RELAY_JWT_SECRET"));
        env.putIfAbsent("RELAY_NODE_ID", "dev-node");
        env.putIfAbsent("RELAY_ADVERTISED_URL", "ws://localhost:" + env.getOrDefault("RELAY_HTTP_PORT", "8080") + "/v1/ws");
        EmbeddedKraftKafka broker = null;
        if (isBlank(env.get("RELAY_KAFKA_BOOTSTRAP_SERVERS"))) {
            Path data = Path.of(env.getOrDefault("RELAY_DEV_DATA_DIR", ".dev/kafka"));
            Files.createDirectories(data);
            banner("Starting an EMBEDDED single-node KRaft Kafka broker on localhost:" + DEV_BROKER_PORT,
                    "for development only (data in " + data.toAbsolutePath() + ").",
                    "Set RELAY_KAFKA_BOOTSTRAP_SERVERS to use a real cluster instead.");
            broker = EmbeddedKraftKafka.builder().port(DEV_BROKER_PORT).dataDirectory(data).build().start();
            env.put("RELAY_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        }
        RelayConfig config;
        try {
            config = ConfigLoader.load(args, env);
        } catch (ConfigException e) {
            System.err.println("notify-relay dev: " + e.getMessage());
            closeQuietly(broker);
            System.exit(2);
            return;
        }
        int partitions = Integer.parseInt(env.getOrDefault("RELAY_DEV_PARTITIONS", "12"));
        ensureTopic(config.kafka().bootstrapServers(), config.kafka().topic(), partitions);
        // dev mode only: the demo page, and a token-minting endpoint for it (off for a secret from the environment)
        RelayNode relay = RelayNode.start(config, ConsumerFactory.kafka(), DemoEndpoints.create(env.get("RELAY_JWT_SECRET"),
                !secretFromEnv || "true".equalsIgnoreCase(env.get("RELAY_DEMO_TOKENS")), config.kafka().bootstrapServers(),
                config.kafka().topic()));
        awaitReady(relay);

        String secret = env.get("RELAY_JWT_SECRET");
        String token = TestTokens.hs256(secret).lob(SAMPLE_LOB).expiresIn(Duration.ofHours(12)).sign();
        String wsUrl = "ws://localhost:" + relay.httpPort() + "/v1/ws";
        System.out.println();
        System.out.println("================ Notify Relay (dev mode) is ready ================");
        System.out.println("Kafka            " + config.kafka().bootstrapServers() + "  topic " + config.kafka().topic()
                + " (" + partitions + " partitions)");
        System.out.println("HTTP             http://localhost:" + relay.httpPort() + "  (/health/live, /health/ready)");
        System.out.println("WebSocket        " + wsUrl);
        System.out.println("Demo page        http://localhost:" + relay.httpPort() + DemoEndpoints.PAGE_PATH + "?lob=" + SAMPLE_LOB
                + "  (open it in a browser: live events of a LOB)");
        System.out.println("JWT secret       " + secret + (secretFromEnv
                ? "  (from RELAY_JWT_SECRET)" : "  (dev default; set RELAY_JWT_SECRET to choose)"));
        System.out.println("Token for LOB    " + SAMPLE_LOB + " (valid 12 h):");
        System.out.println("  " + token);
        System.out.println();
        System.out.println("See an event arrive:");
        System.out.println("  1. in another terminal:  ./scripts/watch --lob " + SAMPLE_LOB);
        System.out.println("  2. in a third terminal:  ./scripts/publish --lob " + SAMPLE_LOB + " --example connection-accepted");
        System.out.println("Or from any WebSocket client: connect to " + wsUrl + ", send");
        System.out.println("  {\"type\":\"auth\",\"token\":\"<token above>\"} then {\"type\":\"subscribe\"}");
        System.out.println("Ctrl-C stops the relay and the broker.");
        System.out.println("==================================================================");

        CountDownLatch stopped = new CountDownLatch(1);
        EmbeddedKraftKafka brokerToStop = broker;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            closeQuietly(brokerToStop);
            System.out.println("notify-relay dev: stopped");
            stopped.countDown();
        }, "dev-shutdown"));
        stopped.await();
    }

    private static void ensureTopic(String bootstrap, String topic, int partitions) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
                    .all().get(30, TimeUnit.SECONDS);
            System.out.println("notify-relay dev: created topic " + topic + " with " + partitions + " partitions");
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause(), e.getCause());
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrap + " did not answer within 30 s");
        }
    }

    private static void awaitReady(RelayNode relay) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!relay.isReady()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the relay did not join its consumer group within 60 s");
            }
            Thread.sleep(50); // start-up wait in a CLI, not a test
        }
    }

    private static void banner(String... lines) {
        System.out.println("*".repeat(78));
        for (String line : lines) {
            System.out.println("*  " + line);
        }
        System.out.println("*".repeat(78));
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            System.err.println("notify-relay dev: error while stopping: " + e);
        }
    }
}
