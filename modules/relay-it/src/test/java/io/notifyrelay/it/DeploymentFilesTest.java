package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.yaml.snakeyaml.Yaml;
import io.notifyrelay.app.ConfigOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Docker cannot run where this project is built, so the deployment files are checked statically: the
 * compose file parses, uses only settings the relay knows, gives every node a distinct advertised URL
 * and port, and has health checks; the Dockerfile starts the real main class on the default port.
 */
class DeploymentFilesTest {

    private static final Path ROOT = Path.of("..", "..");
    private static final Set<String> KNOWN_SETTINGS = Stream.of(ConfigOption.values())
            .map(ConfigOption::envName).collect(Collectors.toSet());

    /** Parsed with SnakeYAML, which applies anchors and merge keys ({@code <<: *relay}) as Compose does. */
    private static JsonNode compose() throws IOException {
        Object yaml = new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
        return new ObjectMapper().valueToTree(yaml);
    }

    private static List<Map.Entry<String, JsonNode>> relayServices(JsonNode compose) {
        List<Map.Entry<String, JsonNode>> relays = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = compose.path("services").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> service = it.next();
            if (service.getKey().startsWith("relay-")) {
                relays.add(service);
            }
        }
        return relays;
    }

    @Test
    void composeRunsThreeRelayNodesWithDistinctAdvertisedUrlsAndPorts() throws IOException {
        List<Map.Entry<String, JsonNode>> relays = relayServices(compose());
        assertEquals(3, relays.size());
        Set<String> urls = new HashSet<>();
        Set<String> hostPorts = new HashSet<>();
        for (Map.Entry<String, JsonNode> relay : relays) {
            JsonNode env = relay.getValue().path("environment");
            String url = env.path("RELAY_ADVERTISED_URL").asText();
            assertTrue(url.startsWith("ws://") && url.endsWith("/v1/ws"), relay.getKey() + ": " + url);
            urls.add(url);
            String mapping = relay.getValue().path("ports").get(0).asText();
            String hostPort = mapping.split(":")[0];
            hostPorts.add(hostPort);
            assertEquals(env.path("RELAY_HTTP_PORT").asText(), mapping.split(":")[1], "container port is RELAY_HTTP_PORT");
            assertTrue(url.contains(":" + hostPort + "/"), "advertised URL uses the published port: " + url);
            assertFalse(relay.getValue().path("healthcheck").path("test").isMissingNode(), relay.getKey() + " health check");
            assertEquals("kafka:9092", env.path("RELAY_KAFKA_BOOTSTRAP_SERVERS").asText());
        }
        assertEquals(3, urls.size());
        assertEquals(3, hostPorts.size());
    }

    @Test
    void composeUsesOnlySettingsTheRelayKnows() throws IOException {
        for (Map.Entry<String, JsonNode> relay : relayServices(compose())) {
            relay.getValue().path("environment").fieldNames().forEachRemaining(name -> assertTrue(
                    KNOWN_SETTINGS.contains(name) || name.startsWith("RELAY_KAFKA_PROPERTY_"),
                    relay.getKey() + " sets unknown setting " + name));
        }
    }

    @Test
    void composeKafkaHasAHealthCheckAndTheTopicIsCreatedBeforeTheRelays() throws IOException {
        JsonNode services = compose().path("services");
        assertFalse(services.path("kafka").path("healthcheck").path("test").isMissingNode());
        assertTrue(services.path("kafka").path("image").asText().startsWith("apache/kafka:"));
        String init = services.path("kafka-init").path("command").toString();
        assertTrue(init.contains("notify.events") && init.contains("--partitions"), init);
        for (Map.Entry<String, JsonNode> relay : relayServices(compose())) {
            assertEquals("service_completed_successfully",
                    relay.getValue().path("depends_on").path("kafka-init").path("condition").asText());
        }
    }

    @Test
    void dockerfileRunsTheRelayMainOnTheDefaultPort() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("io.notifyrelay.app.Main"));
        assertTrue(dockerfile.contains("EXPOSE " + ConfigOption.HTTP_PORT.defaultValue()));
        assertTrue(dockerfile.contains("HEALTHCHECK"));
        assertTrue(Files.exists(ROOT.resolve("modules/relay-app/src/main/java/io/notifyrelay/app/HealthCheck.java")));
    }
}
