package io.notifyrelay.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.notifyrelay.testkit.cluster.ChildJvm;
import io.notifyrelay.testkit.cluster.RelayEnv;
import io.notifyrelay.testkit.cluster.RelayJvm;
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

    private final ChaosSettings settings;
    private final String version;
    private final String topic;
    private final String group;
    private final Map<String, RelayJvm> relays = new LinkedHashMap<>();
    private ChildJvm broker;
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
        // the broker's listeners are named in its arguments, so they are picked free beforehand
        int port = ChildJvm.freePort();
        Path data = settings.workDir().resolve("broker-data");
        Files.createDirectories(data);
        // a second listener whose advertised port is free for a forwarder: a node bootstrapped there reaches
        // the broker only through it, so a test can cut that node off from Kafka and nothing else
        cuttableListenerPort = ChildJvm.freePort();
        cuttableAdvertisedPort = ChildJvm.freePort();
        broker = ChildJvm.start("broker", List.of("-Xmx512m", "-XX:+UseSerialGC"), classpath,
                "io.notifyrelay.testkit.DevKafkaBroker", List.of("--port", String.valueOf(port), "--data-dir",
                        data.toString(), "--extra-listener", "CUT:" + cuttableListenerPort + ":" + cuttableAdvertisedPort),
                Map.of(), settings.workDir().resolve("broker.log"));
        bootstrap = "127.0.0.1:" + port;
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        admin = Admin.create(props);
        broker.awaitOrExplain("broker up", Duration.ofSeconds(90), () -> admin.describeCluster().nodes().get());
    }

    void createTopic(int partitions) {
        broker.awaitOrExplain("topic created", Duration.ofSeconds(60), () -> {
            if (!admin.listTopics().names().get().contains(topic)) {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
            }
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            boolean led = description.partitions().size() == partitions
                    && description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
            return led ? description : null;
        });
    }

    /** Grows the topic to {@code partitions} while everything runs, as an operator would. */
    void addPartitions(int partitions) throws Exception {
        admin.createPartitions(Map.of(topic, org.apache.kafka.clients.admin.NewPartitions.increaseTo(partitions)))
                .all().get();
    }

    /** Starts a relay node process on port 0 (it says which it bound). Does not wait for it. */
    RelayJvm startRelay(String name) {
        return startRelay(name, Map.of());
    }

    /** @param extraEnv more {@code RELAY_*} settings for this node, e.g. its own bootstrap servers or mode */
    RelayJvm startRelay(String name, Map<String, String> extraEnv) {
        // -Dchaos.relayAppTarget=<dir> runs another build of the relay (e.g. an older commit) against this test
        String override = System.getProperty("chaos.relayAppTarget");
        Path target = override == null || override.isBlank() ? settings.repoRoot().resolve("modules/relay-app/target")
                : Path.of(override);
        String classpath = RelayJvm.classpath(target, version);
        // port 0, advertised as ws://127.0.0.1:<bound port>/v1/ws
        Map<String, String> env = RelayEnv.of(bootstrap, topic, group, SECRET);
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
        RelayJvm relay = RelayJvm.start(RelayJvm.Launch.relay(name, classpath, List.of("-Xmx256m", "-XX:+UseSerialGC"),
                env, settings.workDir().resolve(name + ".log")));
        relays.put(name, relay);
        return relay;
    }

    /** The stopped node started again on the port it had, its log continued. Does not wait for it. */
    RelayJvm restart(RelayJvm stopped) {
        RelayJvm relay = stopped.restart();
        relays.put(relay.name(), relay);
        return relay;
    }

    void awaitReady(RelayJvm relay) {
        relay.awaitReady(Duration.ofSeconds(90));
    }

    /** SIGKILL. */
    void kill(RelayJvm relay) {
        relay.kill();
        relays.remove(relay.name());
    }

    /** SIGTERM and wait for the clean stop (the node hands its partitions over and sends moved frames). */
    void terminate(RelayJvm relay) {
        relay.terminate(Duration.ofSeconds(30));
        relays.remove(relay.name());
    }

    List<RelayJvm> relays() {
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
                    for (RelayJvm relay : relays.values()) {
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
                    for (RelayJvm relay : relays.values()) {
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
        for (RelayJvm relay : relays.values()) {
            Set<Integer> owned = new TreeSet<>();
            try {
                JSON.readTree(get(relay, "/health/ready").body()).path("partitions").forEach(p -> owned.add(p.asInt()));
            } catch (Exception e) {
                // a node that does not answer owns nothing we can see
            }
            result.put(relay.name(), owned);
        }
        return result;
    }

    static HttpResponse<String> get(RelayJvm relay, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(relay.httpUrl() + path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private String requireJar(Path target, String module) {
        Path jar = target.resolve(module + "-" + version + ".jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(target.resolve("lib"))) {
            throw new IllegalStateException(jar + " or its lib/ folder is missing: build the project first "
                    + "(mvn -DskipTests package at the repository root)");
        }
        return jar.toString();
    }

    /** Stops this cluster's relay nodes (SIGKILL: the next scenario must not wait for them). */
    void stopRelays() {
        for (RelayJvm relay : relays()) {
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
        ChildJvm.stopAll();
    }
}
