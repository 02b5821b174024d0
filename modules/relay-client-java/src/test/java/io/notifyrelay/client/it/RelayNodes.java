package io.notifyrelay.client.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.notifyrelay.app.ConfigLoader;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.testkit.KafkaBackend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.awaitility.Awaitility.await;

/**
 * Relay nodes of one deployment (same topic, same group) in this JVM, started the way an operator does
 * (environment variables through the real config loader) on free ports. A small copy of relay-it's helper.
 */
final class RelayNodes implements AutoCloseable {

    static final String SECRET = "client-integration-secret-0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaBackend kafka;
    private final String topic;
    private final int partitions;
    private final String group = uniqueName("group");
    private final List<RelayNode> nodes = new ArrayList<>();

    RelayNodes(KafkaBackend kafka, String topic, int partitions) {
        this.kafka = kafka;
        this.topic = topic;
        this.partitions = partitions;
    }

    static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    RelayNode start() {
        Map<String, String> env = new HashMap<>();
        env.put("RELAY_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("RELAY_TOPIC", topic);
        env.put("RELAY_GROUP_ID", group);
        env.put("RELAY_HTTP_HOST", "127.0.0.1");
        env.put("RELAY_HTTP_PORT", "0");
        env.put("RELAY_JWT_SECRET", SECRET);
        env.put("RELAY_NODE_ID", uniqueName("node"));
        env.put("RELAY_KAFKA_PROPERTY_AUTO_OFFSET_RESET", "latest");
        // these tests follow partitions between owners; the default mode (anywhere) has every node serve all
        env.put("RELAY_MODE", "owner");
        RelayNode node = RelayNode.start(ConfigLoader.load(new String[0], env));
        nodes.add(node);
        await("relay node ready").atMost(Duration.ofSeconds(60)).until(node::isReady);
        return node;
    }

    List<RelayNode> nodes() {
        return List.copyOf(nodes);
    }

    void stop(RelayNode node) {
        node.close();
        nodes.remove(node);
    }

    static JsonNode getJson(RelayNode node, String path) {
        try {
            return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl() + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Set<Integer> partitionsOf(RelayNode node) {
        Set<Integer> owned = new HashSet<>();
        getJson(node, "/health/ready").path("partitions").forEach(p -> owned.add(p.asInt()));
        return owned;
    }

    /** Until every partition is owned exactly once and every node's routes say so. */
    void awaitStableRoutes() {
        await("partitions spread and routes agree").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Map<Integer, String> actual = new HashMap<>();
                    for (RelayNode node : nodes) {
                        Set<Integer> owned = partitionsOf(node);
                        if (owned.isEmpty()) {
                            return false;
                        }
                        for (Integer partition : owned) {
                            if (actual.put(partition, node.webSocketUrl()) != null) {
                                return false;
                            }
                        }
                    }
                    if (actual.size() != partitions) {
                        return false;
                    }
                    for (RelayNode node : nodes) {
                        Map<Integer, String> routes = new HashMap<>();
                        getJson(node, "/v1/routes").path("partitions").forEach(entry -> routes.put(
                                entry.path("partition").asInt(), entry.path("owner").asText(null)));
                        if (!actual.equals(routes)) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    @Override
    public void close() {
        for (RelayNode node : nodes) {
            node.close();
        }
        nodes.clear();
    }
}
