package io.notifyrelay.it;

import io.notifyrelay.app.ConfigLoader;
import io.notifyrelay.app.RelayConfig;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.core.routing.Murmur2Partitioner;
import io.notifyrelay.testkit.KafkaBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/** Starts relay nodes the way an operator does (environment variables through the real config loader), on port 0. */
final class TestRelays {

    static final String SECRET = "integration-test-secret-0123456789abcdef";
    static final int PARTITIONS = 12;

    private TestRelays() {
    }

    /** A topic and group of its own for each test class, so classes never see each other's events. */
    static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Map<String, String> env(KafkaBackend kafka, String topic, String group) {
        Map<String, String> env = new HashMap<>();
        env.put("RELAY_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("RELAY_TOPIC", topic);
        env.put("RELAY_GROUP_ID", group);
        env.put("RELAY_HTTP_HOST", "127.0.0.1");
        env.put("RELAY_HTTP_PORT", "0");
        env.put("RELAY_JWT_SECRET", SECRET);
        env.put("RELAY_NODE_ID", uniqueName("node"));
        // the test group is new, so there is no committed offset to fall back on
        env.put("RELAY_KAFKA_PROPERTY_AUTO_OFFSET_RESET", "latest");
        return env;
    }

    /** Starts a node and waits until it has joined its group. */
    static RelayNode startReady(Map<String, String> env) {
        RelayConfig config = ConfigLoader.load(new String[0], env);
        RelayNode node = RelayNode.start(config);
        await("relay node ready").atMost(Duration.ofSeconds(60)).until(node::isReady);
        return node;
    }

    static URI wsUri(RelayNode node) {
        return URI.create(node.webSocketUrl());
    }

    static HttpResponse<String> get(RelayNode node, String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.httpUrl() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
