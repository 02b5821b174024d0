package io.notifyrelay.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.notifyrelay.app.ConfigLoader;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.core.routing.Murmur2Partitioner;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.function.Consumer;

import static org.awaitility.Awaitility.await;

/**
 * Relay nodes of one deployment (same topic, same group) in this JVM, each on port 0, started the way an operator
 * does (environment variables through the real config loader), in owner mode (partitions shared, sessions moved to
 * their owner) unless the customizer removes or changes {@code RELAY_MODE}.
 */
public final class InProcessCluster implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String bootstrapServers;
    private final String topic;
    private final String group = RelayEnv.uniqueName("group");
    private final String jwtSecret;
    private final int partitions;
    private final Consumer<Map<String, String>> customizer;
    private final List<RelayNode> nodes = new ArrayList<>();

    /**
     * @param partitions the topic's partition count, which {@link #awaitStableRoutes} and {@link #ownerOf} use
     * @param customizer changes each node's environment before it starts
     */
    public InProcessCluster(String bootstrapServers, String topic, String jwtSecret, int partitions,
                            Consumer<Map<String, String>> customizer) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.jwtSecret = jwtSecret;
        this.partitions = partitions;
        this.customizer = customizer;
    }

    /** Starts a node of this deployment and waits until it is ready. */
    public RelayNode startNode() {
        Map<String, String> env = RelayEnv.of(bootstrapServers, topic, group, jwtSecret);
        env.put("RELAY_MODE", "owner");
        customizer.accept(env);
        RelayNode node = startReady(env);
        nodes.add(node);
        return node;
    }

    /** Starts a node from {@code env} through the real config loader and waits until it has joined its group. */
    public static RelayNode startReady(Map<String, String> env) {
        RelayNode node = RelayNode.start(ConfigLoader.load(new String[0], env));
        try {
            await("relay node ready").atMost(Duration.ofSeconds(60)).until(node::isReady);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    public List<RelayNode> nodes() {
        return List.copyOf(nodes);
    }

    /** Stops a node the way SIGTERM does (it hands its partitions over). */
    public void stop(RelayNode node) {
        node.close();
        nodes.remove(node);
    }

    public static HttpResponse<String> get(RelayNode node, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(node.httpUrl() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode getJson(RelayNode node, String path) {
        try {
            return JSON.readTree(get(node, path).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Partitions a node reports in /health/ready. */
    public static Set<Integer> partitionsOf(RelayNode node) {
        Set<Integer> owned = new HashSet<>();
        getJson(node, "/health/ready").path("partitions").forEach(p -> owned.add(p.asInt()));
        return owned;
    }

    /** Owner URL of each partition according to one node's GET /v1/routes. */
    public static Map<Integer, String> routesOf(RelayNode node) {
        Map<Integer, String> owners = new HashMap<>();
        for (JsonNode entry : getJson(node, "/v1/routes").path("partitions")) {
            owners.put(entry.path("partition").asInt(), entry.path("owner").isNull() ? null : entry.path("owner").asText());
        }
        return owners;
    }

    /** What every node should answer: each partition owned by the node that consumes it. */
    public Map<Integer, String> actualOwners() {
        Map<Integer, String> owners = new HashMap<>();
        for (RelayNode node : nodes) {
            for (Integer partition : partitionsOf(node)) {
                owners.put(partition, node.webSocketUrl());
            }
        }
        return owners;
    }

    /**
     * Waits until the partitions are spread over all nodes (each owned exactly once) and every node's routes agree
     * with who actually consumes what.
     */
    public void awaitStableRoutes() {
        await("partitions spread and routes agree on every node").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    int owned = 0;
                    Set<Integer> union = new HashSet<>();
                    for (RelayNode node : nodes) {
                        Set<Integer> mine = partitionsOf(node);
                        if (mine.isEmpty() && nodes.size() <= partitions) {
                            return false;
                        }
                        owned += mine.size();
                        union.addAll(mine);
                    }
                    if (owned != partitions || union.size() != partitions) {
                        return false;
                    }
                    Map<Integer, String> expected = actualOwners();
                    for (RelayNode node : nodes) {
                        if (!expected.equals(routesOf(node))) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    /** The node consuming the contact's partition (the producer's default partitioner). */
    public RelayNode ownerOf(String contactId) {
        int partition = new Murmur2Partitioner().partitionOf(contactId, partitions);
        for (RelayNode node : nodes) {
            if (partitionsOf(node).contains(partition)) {
                return node;
            }
        }
        throw new IllegalStateException("no node owns partition " + partition);
    }

    public RelayNode notOwnerOf(String contactId) {
        RelayNode owner = ownerOf(contactId);
        return nodes.stream().filter(n -> n != owner).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        for (RelayNode node : nodes) {
            node.close();
        }
        nodes.clear();
    }
}
