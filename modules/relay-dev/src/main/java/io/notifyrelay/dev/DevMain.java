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
 * single-node KRaft broker on a free port of localhost (written to {@code .dev/bootstrap} for ./scripts/publish)
 * unless {@code RELAY_KAFKA_BOOTSTRAP_SERVERS} names one, creates the topic, starts a relay node bound to
 * 127.0.0.1 (unless {@code RELAY_HTTP_HOST} says otherwise) and prints how to connect and publish.
 */
public final class DevMain {

    static final String DEV_SECRET = "notify-relay-dev-secret-not-for-production-0123456789";
    static final String SAMPLE_LOB = "faber-college";
    /** Where ./scripts/publish finds the embedded broker, which takes a free port at each start. */
    static final Path BOOTSTRAP_FILE = Path.of(".dev", "bootstrap");
    static final String DEMO_ACTIONS = "RELAY_DEMO_ACTIONS";

    private DevMain() {
    }

    /**
     * The environment dev mode runs the relay with: the dev secret unless one is set, and the listener on
     * 127.0.0.1 unless RELAY_HTTP_HOST names another interface (a dev relay has a token-minting endpoint).
     */
    static Map<String, String> devEnvironment(Map<String, String> systemEnv) {
        Map<String, String> env = new HashMap<>(systemEnv);
        env.putIfAbsent("RELAY_JWT_SECRET", DEV_SECRET);
        env.putIfAbsent("RELAY_HTTP_HOST", "127.0.0.1");
        env.putIfAbsent("RELAY_NODE_ID", "dev-node");
        env.putIfAbsent("RELAY_ADVERTISED_URL", "ws://localhost:" + env.getOrDefault("RELAY_HTTP_PORT", "8080") + "/v1/ws");
        return env;
    }

    /**
     * Whether /demo/token and /demo/publish act: always with the built-in secret; with a secret from the environment
     * (maybe a real deployment's) only if RELAY_DEMO_ACTIONS=true.
     */
    static boolean demoActionsOn(Map<String, String> systemEnv) {
        String value = systemEnv.get(DEMO_ACTIONS);
        if (value != null && !value.isBlank() && !value.trim().matches("(?i)true|false")) {
            throw new ConfigException(List.of(DEMO_ACTIONS + " must be true or false, got '" + value + "'"));
        }
        return isBlank(systemEnv.get("RELAY_JWT_SECRET")) || (value != null && value.trim().equalsIgnoreCase("true"));
    }

    /** Starts the relay as dev mode does, with the demo page and its actions. */
    static RelayNode startRelay(RelayConfig config, Map<String, String> env, boolean demoActions) {
        DemoEndpoints.Served demo = DemoEndpoints.create(env.get("RELAY_JWT_SECRET"), demoActions,
                config.kafka().bootstrapServers(), config.kafka().topic());
        return RelayNode.start(config, ConsumerFactory.kafka(), demo.pages(), demo.actions());
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = devEnvironment(System.getenv());
        boolean secretFromEnv = !isBlank(System.getenv("RELAY_JWT_SECRET"));
        boolean demoActions;
        try {
            demoActions = demoActionsOn(System.getenv());
        } catch (ConfigException e) {
            System.err.println("notify-relay dev: " + e.getMessage());
            System.exit(2);
            return;
        }
        EmbeddedKraftKafka broker = null;
        if (isBlank(env.get("RELAY_KAFKA_BOOTSTRAP_SERVERS"))) {
            Path data = Path.of(env.getOrDefault("RELAY_DEV_DATA_DIR", ".dev/kafka"));
            Files.createDirectories(data);
            // a free port each time: a fixed one (9092) would collide with a real local broker or a second dev relay
            broker = EmbeddedKraftKafka.builder().dataDirectory(data).build().start();
            Files.createDirectories(BOOTSTRAP_FILE.getParent());
            Files.writeString(BOOTSTRAP_FILE, broker.bootstrapServers() + "\n");
            banner("Started an EMBEDDED single-node KRaft Kafka broker on " + broker.bootstrapServers(),
                    "for development only (data in " + data.toAbsolutePath() + "; address in " + BOOTSTRAP_FILE + ").",
                    "Set RELAY_KAFKA_BOOTSTRAP_SERVERS to use a real cluster instead.");
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
        // dev mode only: the demo page and its actions (off for a secret from the environment)
        RelayNode relay = startRelay(config, env, demoActions);
        awaitReady(relay);

        String secret = env.get("RELAY_JWT_SECRET");
        String token = TestTokens.hs256(secret).lob(SAMPLE_LOB).expiresIn(Duration.ofHours(12)).sign();
        String wsUrl = "ws://localhost:" + relay.httpPort() + "/v1/ws";
        System.out.println();
        System.out.println("================ Notify Relay (dev mode) is ready ================");
        System.out.println("Kafka            " + config.kafka().bootstrapServers() + "  topic " + config.kafka().topic()
                + " (" + partitions + " partitions)" + (broker == null ? "" : "  (embedded; also in " + BOOTSTRAP_FILE + ")"));
        System.out.println("HTTP             http://localhost:" + relay.httpPort() + "  (bound to " + config.http().host()
                + "; /health/live, /health/ready)");
        System.out.println("WebSocket        " + wsUrl);
        System.out.println("Demo page        http://localhost:" + relay.httpPort() + DemoEndpoints.PAGE_PATH + "?lob=" + SAMPLE_LOB
                + "  (open it in a browser: live events of a LOB)");
        System.out.println("JWT secret       " + secret + (secretFromEnv
                ? "  (from RELAY_JWT_SECRET)" : "  (dev default; set RELAY_JWT_SECRET to choose)"));
        if (!demoActions) {
            System.out.println("Demo actions     off: the secret comes from RELAY_JWT_SECRET, so /demo/token and "
                    + "/demo/publish refuse (set " + DEMO_ACTIONS + "=true to allow them)");
        }
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
            if (brokerToStop != null) {
                try {
                    Files.deleteIfExists(BOOTSTRAP_FILE);
                } catch (java.io.IOException e) {
                    System.err.println("notify-relay dev: cannot remove " + BOOTSTRAP_FILE + ": " + e);
                }
            }
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
