package io.notifyrelay.it;

import io.notifyrelay.app.RelayNode;
import io.notifyrelay.core.routing.Murmur2Partitioner;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.cluster.InProcessCluster;
import io.notifyrelay.testkit.cluster.RelayEnv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Starts relay nodes the way an operator does (environment variables through the real config loader), on port 0. */
final class TestRelays {

    static final String SECRET = "integration-test-secret-0123456789abcdef";
    static final int PARTITIONS = 12;

    private TestRelays() {
    }

    /** A topic and group of its own for each test class, so classes never see each other's events. */
    static String uniqueName(String prefix) {
        return RelayEnv.uniqueName(prefix);
    }

    static Map<String, String> env(KafkaBackend kafka, String topic, String group) {
        return RelayEnv.of(kafka.bootstrapServers(), topic, group, SECRET);
    }

    /** Starts a node and waits until it has joined its group. */
    static RelayNode startReady(Map<String, String> env) {
        return InProcessCluster.startReady(env);
    }

    /** Nodes of one deployment on {@code topic} ({@link #PARTITIONS} partitions), in owner mode unless customized. */
    static InProcessCluster cluster(KafkaBackend kafka, String topic, Consumer<Map<String, String>> customizer) {
        return new InProcessCluster(kafka.bootstrapServers(), topic, SECRET, PARTITIONS, customizer);
    }

    static URI wsUri(RelayNode node) {
        return URI.create(node.webSocketUrl());
    }

    static HttpResponse<String> get(RelayNode node, String path) {
        return InProcessCluster.get(node, path);
    }

    /** Contact ids that the producer's partitioner puts on one partition, so their events are totally ordered. */
    static List<String> contactsOnOnePartition(int count) {
        Murmur2Partitioner partitioner = new Murmur2Partitioner();
        List<String> result = new ArrayList<>();
        String first = UUID.randomUUID().toString();
        int partition = partitioner.partitionOf(first, PARTITIONS);
        result.add(first);
        while (result.size() < count) {
            String candidate = UUID.randomUUID().toString();
            if (partitioner.partitionOf(candidate, PARTITIONS) == partition) {
                result.add(candidate);
            }
        }
        return result;
    }

    /** The seed's examples as the schemas folder holds them: name (file name without .json) to JSON text. */
    static Map<String, String> validExamples() {
        Path folder = Path.of("..", "..", "schemas", "examples", "valid");
        Map<String, String> examples = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(".json")) {
                    examples.put(name.substring(0, name.length() - 5), Files.readString(file));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (examples.isEmpty()) {
            throw new IllegalStateException("no examples found in " + folder.toAbsolutePath());
        }
        return examples;
    }
}
