package io.notifyrelay.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * One Kafka broker and the relay nodes, each its own process. The relay runs exactly as shipped:
 * {@code java -cp relay-app.jar:lib/* io.notifyrelay.app.Main}, configured by {@code RELAY_*} variables.
 */
final class ChaosCluster implements AutoCloseable {

    static final String SECRET = "chaos-test-secret-0123456789abcdef-0123456789";
    static final String TOPIC = "notify.events";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One relay node process. */
    static final class Relay {
        final String name;
        final int port;
        final ChildProcess process;

        Relay(String name, int port, ChildProcess process) {
            this.name = name;
            this.port = port;
            this.process = process;
        }

        String webSocketUrl() {
            return "ws://127.0.0.1:" + port + "/v1/ws";
        }

        String httpUrl() {
            return "http://127.0.0.1:" + port;
        }

        @Override
        public String toString() {
            return name + " :" + port + " (pid " + process.pid() + ")";
        }
    }

    private final ChaosSettings settings;
    private final String version;
    private final String topic;
    private final String group;
    private final Map<String, Relay> relays = new LinkedHashMap<>();
    private ChildProcess broker;
    private String bootstrap;
    /** The broker's second listener, advertised at a port a test can put a {@link TcpForwarder} on; 0 if none. */
    private int cuttableListenerPort;
    private int cuttableAdvertisedPort;
    private Admin admin;
    /** False when the broker belongs to another cluster ({@link #sharingBrokerOf}): close leaves it running. */
    private boolean ownsBroker = true;

    ChaosCluster(ChaosSettings settings) {
        this(settings, TOPIC, "notify-relay-chaos");
    }

    ChaosCluster(ChaosSettings settings, String topic, String group) {
        this.settings = settings;
        this.topic = topic;
        this.group = group;
        this.version = System.getProperty("chaos.version", "0.1.0-SNAPSHOT");
    }

    /** Another topic and group on the broker of {@code owner}: scenarios share one broker process. */
    ChaosCluster sharingBrokerOf(ChaosCluster owner) {
        this.broker = owner.broker;
        this.bootstrap = owner.bootstrap;
        this.admin = owner.admin;
        this.cuttableListenerPort = owner.cuttableListenerPort;
        this.cuttableAdvertisedPort = owner.cuttableAdvertisedPort;
        this.ownsBroker = false;
        return this;
    }

    String bootstrapServers() {
        return bootstrap;
    }

    String topic() {
        return topic;
    }

    Admin admin() {
        return admin;
    }

    /** Where the broker's cuttable listener really listens: the target of a forwarder. */
    int cuttableListenerPort() {
        return cuttableListenerPort;
    }

    /** Where clients of the cuttable listener are told to connect: the forwarder's port. */
    int cuttableAdvertisedPort() {
        return cuttableAdvertisedPort;
    }

    /** The dev broker of the test kit, in its own JVM: {@code java -cp relay-testkit.jar:lib/* DevKafkaBroker}. */
    void startBroker() throws IOException {
        Path target = settings.repoRoot().resolve("modules/relay-testkit/target");
        String classpath = requireJar(target, "relay-testkit") + java.io.File.pathSeparator + target.resolve("lib") + "/*";
        int port = ChildProcess.freePort();
        Path data = settings.workDir().resolve("broker-data");
        Files.createDirectories(data);
        // a second listener whose advertised port is free for a forwarder: a node bootstrapped there reaches
        // the broker only through it, so a test can cut that node off from Kafka and nothing else
        cuttableListenerPort = ChildProcess.freePort();
        cuttableAdvertisedPort = ChildProcess.freePort();
        broker = ChildProcess.start("broker", List.of("-Xmx512m", "-XX:+UseSerialGC"), classpath,
                "io.notifyrelay.testkit.DevKafkaBroker", List.of("--port", String.valueOf(port), "--data-dir",
                        data.toString(), "--extra-listener", "CUT:" + cuttableListenerPort + ":" + cuttableAdvertisedPort),
                Map.of(), settings.workDir().resolve("broker.log"));
        bootstrap = "127.0.0.1:" + port;
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        admin = Admin.create(props);
        awaitOrExplain("broker up", Duration.ofSeconds(90), broker, () -> {
            admin.describeCluster().nodes().get();
            return true;
        });
    }

    void createTopic(int partitions) {
        awaitOrExplain("topic created", Duration.ofSeconds(60), broker, () -> {
            if (!admin.listTopics().names().get().contains(topic)) {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
            }
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            return description.partitions().size() == partitions
                    && description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        });
    }

    /** Grows the topic to {@code partitions} while everything runs, as an operator would. */
    void addPartitions(int partitions) throws Exception {
        admin.createPartitions(Map.of(topic, org.apache.kafka.clients.admin.NewPartitions.increaseTo(partitions)))
                .all().get();
    }

    /** Starts a relay node process on {@code port} (0: a free one). Does not wait for it. */
    Relay startRelay(String name, int port) {
        return startRelay(name, port, Map.of());
    }

    /** @param extraEnv more {@code RELAY_*} settings for this node, e.g. its own bootstrap servers or mode */
    Relay startRelay(String name, int port, Map<String, String> extraEnv) {
        // -Dchaos.relayAppTarget=<dir> runs another build of the relay (e.g. an older commit) against this test
        String override = System.getProperty("chaos.relayAppTarget");
        Path target = override == null || override.isBlank() ? settings.repoRoot().resolve("modules/relay-app/target")
                : Path.of(override);
        String classpath = requireJar(target, "relay-app") + java.io.File.pathSeparator + target.resolve("lib") + "/*";
        int actualPort = port == 0 ? ChildProcess.freePort() : port;
        Map<String, String> env = new HashMap<>();
        env.put("RELAY_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("RELAY_TOPIC", topic);
        env.put("RELAY_GROUP_ID", group);
        env.put("RELAY_HTTP_HOST", "127.0.0.1");
        env.put("RELAY_HTTP_PORT", String.valueOf(actualPort));
        env.put("RELAY_ADVERTISED_URL", "ws://127.0.0.1:" + actualPort + "/v1/ws");
        env.put("RELAY_JWT_SECRET", SECRET);
        env.put("RELAY_NODE_ID", name);
        // a fresh topic and group: start from the beginning, so no event before the first commit is skipped
        env.put("RELAY_KAFKA_PROPERTY_AUTO_OFFSET_RESET", "earliest");
        // the group's session timeout and heartbeat are the shipped defaults: failover is measured as users get it
        // small enough that a client that stops reading for some seconds is closed as too slow (4429); it also
        // bounds the live events a session holds back while it is replayed, so not smaller
        env.put("RELAY_SESSION_MAX_BUFFER_BYTES", "65536");
        // -Dchaos.env.RELAY_X=value sets any other relay setting, e.g. -Dchaos.env.RELAY_REPLAY_WINDOW=0
        System.getProperties().forEach((key, value) -> {
            if (key.toString().startsWith("chaos.env.RELAY_")) {
                env.put(key.toString().substring("chaos.env.".length()), value.toString());
            }
        });
        env.putAll(extraEnv);
        ChildProcess process = ChildProcess.start(name, List.of("-Xmx256m", "-XX:+UseSerialGC"), classpath,
                "io.notifyrelay.app.Main", List.of(), env, settings.workDir().resolve(name + ".log"));
        Relay relay = new Relay(name, actualPort, process);
        relays.put(name, relay);
        return relay;
    }

    void awaitReady(Relay relay) {
        awaitOrExplain(relay.name + " ready", Duration.ofSeconds(90), relay.process,
                () -> get(relay, "/health/ready").statusCode() == 200);
    }

    /** SIGKILL. */
    void kill(Relay relay) {
        relay.process.kill();
        relays.remove(relay.name);
    }

    /** SIGTERM and wait for the clean stop (the node hands its partitions over and sends moved frames). */
    void terminate(Relay relay) {
        relay.process.terminate(Duration.ofSeconds(30));
        relays.remove(relay.name);
    }

    List<Relay> relays() {
        return new ArrayList<>(relays.values());
    }

    /**
     * Until every running node is ready, the group's partitions are spread over them and every node's routes
     * agree: in owner mode each partition's owner; in anywhere mode (the default) "any" everywhere.
     */
    void awaitStableRoutes(int partitions) {
        await("partitions spread and routes agree").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptions().until(() -> {
                    Map<Integer, String> actual = new HashMap<>();
                    boolean anywhere = false;
                    for (Relay relay : relays.values()) {
                        HttpResponse<String> ready = get(relay, "/health/ready");
                        if (ready.statusCode() != 200) {
                            return false;
                        }
                        JsonNode health = JSON.readTree(ready.body());
                        anywhere = "anywhere".equals(health.path("mode").asText());
                        for (JsonNode partition : health.path(anywhere ? "groupPartitions" : "partitions")) {
                            if (actual.put(partition.asInt(), relay.webSocketUrl()) != null) {
                                return false;
                            }
                        }
                    }
                    if (actual.size() != partitions) {
                        return false;
                    }
                    for (Relay relay : relays.values()) {
                        Map<Integer, String> routes = new HashMap<>();
                        JSON.readTree(get(relay, "/v1/routes").body()).path("partitions").forEach(entry ->
                                routes.put(entry.path("partition").asInt(), entry.path("owner").asText(null)));
                        boolean agree = anywhere ? routes.size() == partitions
                                && routes.values().stream().allMatch("any"::equals) : actual.equals(routes);
                        if (!agree) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    /** Partitions per node, for the log. */
    Map<String, Set<Integer>> partitionsByNode() {
        Map<String, Set<Integer>> result = new LinkedHashMap<>();
        for (Relay relay : relays.values()) {
            Set<Integer> owned = new TreeSet<>();
            try {
                JSON.readTree(get(relay, "/health/ready").body()).path("partitions").forEach(p -> owned.add(p.asInt()));
            } catch (Exception e) {
                // a node that does not answer owns nothing we can see
            }
            result.put(relay.name, owned);
        }
        return result;
    }

    static HttpResponse<String> get(Relay relay, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(relay.httpUrl() + path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private String requireJar(Path target, String module) {
        Path jar = target.resolve(module + "-" + version + ".jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(target.resolve("lib"))) {
            throw new IllegalStateException(jar + " or its lib/ folder is missing: build the project first "
                    + "(mvn -DskipTests install at the repository root)");
        }
        return jar.toString();
    }

    @FunctionalInterface
    interface Check {
        boolean test() throws Exception;
    }

    /** Awaits {@code check}; if the process died or time runs out, fails with the end of its log. */
    private static void awaitOrExplain(String what, Duration timeout, ChildProcess process, Check check) {
        try {
            await(what).atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(process + " exited with " + process.process.exitValue()
                            + ":\n" + process.tail(40));
                }
                try {
                    return check.test();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw e;
                } catch (Exception e) {
                    return false;
                }
            });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(what + ": not within " + timeout.toSeconds() + " s; " + process
                    + " log:\n" + process.tail(40), e);
        }
    }

    /** Stops this cluster's relay nodes (SIGKILL: the next scenario must not wait for them). */
    void stopRelays() {
        for (Relay relay : relays()) {
            kill(relay);
        }
    }

    @Override
    public void close() {
        if (!ownsBroker) {
            stopRelays();
            return;
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        ChildProcess.stopAll();
    }
}
