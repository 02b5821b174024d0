package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.yaml.snakeyaml.Yaml;
import com.sun.net.httpserver.HttpServer;
import io.notifyrelay.app.ConfigLoader;
import io.notifyrelay.app.ConfigOption;
import io.notifyrelay.app.RelayConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Docker cannot run where this project is built, so the deployment files are checked statically: the
 * compose file parses, uses only settings the relay knows (through its real ConfigLoader), gives every node a
 * distinct advertised URL and port, and has health checks; the Dockerfile starts the real main class on the
 * default port as a numeric user, with a dependency layer and a health check that starts no JVM (run here
 * against a real HTTP server), and .dockerignore keeps build output out of the context.
 */
class DeploymentFilesTest {

    private static final Path ROOT = Path.of("..", "..");
    private static final String HEALTHCHECK_SCRIPT = "deploy/docker/healthcheck";
    private static final String HEALTHCHECK_IN_IMAGE = "/opt/notify-relay/bin/healthcheck";
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
    void composeSettingsLoadThroughTheRelaysConfigLoaderAndTheGracePeriodCoversTheShutdown() throws IOException {
        for (Map.Entry<String, JsonNode> relay : relayServices(compose())) {
            Map<String, String> env = new HashMap<>();
            relay.getValue().path("environment").fields().forEachRemaining(e -> env.put(e.getKey(),
                    // ${NAME:-default} as Compose interpolates it with NAME unset
                    e.getValue().asText().replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1")));
            RelayConfig config = ConfigLoader.load(new String[0], env);
            long grace = Long.parseLong(relay.getValue().path("stop_grace_period").asText().replace("s", ""));
            assertTrue(grace >= config.shutdownTimeout().toSeconds() + 5,
                    relay.getKey() + ": stop_grace_period " + grace + "s < RELAY_SHUTDOWN_TIMEOUT + 5s");
            assertEquals(List.of("CMD", HEALTHCHECK_IN_IMAGE), textList(relay.getValue().path("healthcheck").path("test")),
                    "compose uses the image's health check");
        }
    }

    @Test
    void dockerfileRunsTheRelayMainOnTheDefaultPortAsANumericUser() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("io.notifyrelay.app.Main"));
        assertTrue(dockerfile.contains("EXPOSE " + ConfigOption.HTTP_PORT.defaultValue()));
        Matcher user = Pattern.compile("(?m)^USER (\\d+)(:\\d+)?$").matcher(dockerfile);
        assertTrue(user.find(), "USER must be numeric: Kubernetes' runAsNonRoot cannot check a name");
        assertTrue(dockerfile.contains("--uid " + user.group(1)), "the numeric USER is the user the image creates");
    }

    @Test
    void dockerfileResolvesDependenciesFromThePomsBeforeCopyingTheSources() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile"));
        int sources = lines.indexOf("COPY modules modules");
        assertTrue(sources > 0, "the sources are copied in one layer");
        Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (modules.find()) {
            String copy = "COPY " + modules.group(1) + "/pom.xml " + modules.group(1) + "/";
            int at = lines.indexOf(copy);
            assertTrue(at >= 0 && at < sources, "missing before the sources (Maven reads every module): " + copy);
        }
        int resolve = -1;
        for (int i = 0; i < sources; i++) {
            if (lines.get(i).startsWith("RUN mvn ")) {
                resolve = i;
            }
        }
        assertTrue(resolve > lines.indexOf("COPY pom.xml ."), "a build from the POMs alone fills the dependency layer");
    }

    @Test
    void dockerHealthCheckStartsNoJvm() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        String healthcheck = dockerfile.lines().filter(l -> l.startsWith("HEALTHCHECK")).findFirst().orElseThrow();
        assertTrue(healthcheck.contains(HEALTHCHECK_IN_IMAGE) && !healthcheck.contains("java"), healthcheck);
        assertTrue(dockerfile.contains("COPY " + HEALTHCHECK_SCRIPT + " bin/healthcheck"));
        assertTrue(Files.isExecutable(ROOT.resolve(HEALTHCHECK_SCRIPT)));
        assertFalse(Files.readString(ROOT.resolve(HEALTHCHECK_SCRIPT)).lines()
                .filter(l -> !l.startsWith("#")).anyMatch(l -> l.contains("java")));
    }

    @Test
    void dockerHealthCheckIsHealthyOnlyWhileTheNodeIsReady() throws Exception {
        AtomicInteger status = new AtomicInteger(200);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/health/ready", exchange -> {
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.start();
        int port = server.getAddress().getPort();
        try {
            assertEquals(0, runHealthCheck(port), "ready: healthy");
            status.set(503);
            assertEquals(1, runHealthCheck(port), "not ready: unhealthy");
            status.set(200);
            assertEquals(0, runHealthCheck(port), "ready again: healthy");
        } finally {
            server.stop(0);
        }
        assertEquals(1, runHealthCheck(port), "nothing listening: unhealthy");
    }

    private static int runHealthCheck(int port) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", ROOT.resolve(HEALTHCHECK_SCRIPT).toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("RELAY_HTTP_HOST", "127.0.0.1");
        builder.environment().put("RELAY_HTTP_PORT", String.valueOf(port));
        Process process = builder.start();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "health check finished");
        return process.exitValue();
    }

    @Test
    void dockerignoreKeepsBuildOutputDependenciesAndGitOutOfTheContext() throws IOException {
        List<String> patterns = Files.readAllLines(ROOT.resolve(".dockerignore")).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        for (String required : List.of("**/target", "**/node_modules", ".git")) {
            assertTrue(patterns.contains(required), ".dockerignore lacks " + required);
        }
        for (String needed : List.of("pom.xml", "schemas", "modules", "deploy")) {
            assertFalse(patterns.stream().anyMatch(p -> p.equals(needed) || p.equals(needed + "/")), needed + " is needed");
        }
    }

    private static List<String> textList(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
