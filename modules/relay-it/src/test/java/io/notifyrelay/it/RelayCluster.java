package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.testkit.KafkaBackend;
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
 * Several relay nodes of one deployment (same topic, same group), each on its own port, in owner mode (the
 * partitions shared, sessions moved to their owner) unless the customizer removes or changes RELAY_MODE.
 */
final class RelayCluster implements AutoCloseable {

    private final KafkaBackend kafka;
    private final String topic;
    private final String group;
    private final Consumer<Map<String, String>> customizer;
    private final List<RelayNode> nodes = new ArrayList<>();

    RelayCluster(KafkaBackend kafka, String topic, Consumer<Map<String, String>> customizer) {
        this.kafka = kafka;
        this.topic = topic;
        this.group = TestRelays.uniqueName("group");
        this.customizer = customizer;
    }

    RelayNode startNode() {
        Map<String, String> env = TestRelays.env(kafka, topic, group);
        env.put("RELAY_MODE", "owner");
        customizer.accept(env);
        RelayNode node = TestRelays.startReady(env);
        nodes.add(node);
        return node;
    }

    List<RelayNode> nodes() {
        return List.copyOf(nodes);
    }

    void stop(RelayNode node) {
        node.close();
        nodes.remove(node);
    }

    /** Partitions a node reports in /health/ready. */
    static Set<Integer> partitionsOf(RelayNode node) {
        Set<Integer> partitions = new HashSet<>();
        Notifications.tree(TestRelays.get(node, "/health/ready").body()).path("partitions")
                .forEach(p -> partitions.add(p.asInt()));
        return partitions;
    }

    /** Owner URL of each partition according to one node's GET /v1/routes. */
    static Map<Integer, String> routesOf(RelayNode node) {
        Map<Integer, String> owners = new HashMap<>();
        for (JsonNode entry : Notifications.tree(TestRelays.get(node, "/v1/routes").body()).path("partitions")) {
            owners.put(entry.path("partition").asInt(), entry.path("owner").isNull() ? null : entry.path("owner").asText());
        }
        return owners;
    }

    /** What every node should answer: each partition owned by the node that consumes it. */
    Map<Integer, String> actualOwners() {
        Map<Integer, String> owners = new HashMap<>();
        for (RelayNode node : nodes) {
            for (Integer partition : partitionsOf(node)) {
                owners.put(partition, node.webSocketUrl());
            }
        }
        return owners;
    }

    /**
     * Waits until the partitions are spread over all nodes (each owned exactly once) and every node's
     * routes agree with who actually consumes what.
     */
    void awaitStableRoutes() {
        await("partitions spread and routes agree on every node").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    int owned = 0;
                    Set<Integer> union = new HashSet<>();
                    for (RelayNode node : nodes) {
                        Set<Integer> partitions = partitionsOf(node);
                        if (partitions.isEmpty() && nodes.size() <= TestRelays.PARTITIONS) {
                            return false;
                        }
                        owned += partitions.size();
                        union.addAll(partitions);
                    }
                    if (owned != TestRelays.PARTITIONS || union.size() != TestRelays.PARTITIONS) {
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

    RelayNode ownerOf(String contactId) {
        int partition = new io.notifyrelay.core.routing.Murmur2Partitioner().partitionOf(contactId, TestRelays.PARTITIONS);
        for (RelayNode node : nodes) {
            if (partitionsOf(node).contains(partition)) {
                return node;
            }
        }
        throw new IllegalStateException("no node owns partition " + partition);
    }

    RelayNode notOwnerOf(String contactId) {
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
