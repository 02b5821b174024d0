package io.notifyrelay.it;

import static io.notifyrelay.it.KubernetesManifests.BASE;
import static io.notifyrelay.it.KubernetesManifests.DIR;
import static io.notifyrelay.it.KubernetesManifests.OWNER_ROUTING;
import static io.notifyrelay.it.KubernetesManifests.baseResource;
import static io.notifyrelay.it.KubernetesManifests.read;
import static io.notifyrelay.it.KubernetesManifests.relayContainer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.ConfigLoader;
import io.notifyrelay.app.ConfigOption;
import io.notifyrelay.app.RelayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes against the relay itself: every RELAY_* name is a real setting and the env loads through the
 * real ConfigLoader, the ports are the ones it listens on, the grace period covers its shutdown timeout, the user
 * is the image's, and the autoscalers read what the relay exports. KubernetesProbesIT GETs the probe and metrics
 * paths on a running node.
 */
class KubernetesManifestsTest {

    private static final Set<String> SETTINGS = Stream.of(ConfigOption.values())
            .map(ConfigOption::envName).collect(Collectors.toSet());
    /** Grace period = preStop sleep + RELAY_SHUTDOWN_TIMEOUT + this, for the JVM to exit after the node stopped. */
    private static final int EXIT_MARGIN_SECONDS = 5;

    private static final JsonNode DEPLOYMENT = baseResource("Deployment");
    private static final JsonNode POD = DEPLOYMENT.path("spec").path("template");
    private static final JsonNode CONTAINER = relayContainer(DEPLOYMENT);

    private static RelayConfig load(List<JsonNode> env) {
        return ConfigLoader.load(new String[0], KubernetesManifests.resolve(env));
    }

    private static int httpContainerPort() {
        for (JsonNode port : CONTAINER.path("ports")) {
            if ("http".equals(port.path("name").asText())) {
                return port.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named http");
    }

    @Test
    void kustomizationsListFilesThatExist() {
        for (Path dir : List.of(BASE, OWNER_ROUTING)) {
            JsonNode kustomization = read(dir.resolve("kustomization.yaml"));
            assertEquals("Kustomization", kustomization.path("kind").asText());
            for (JsonNode resource : kustomization.path("resources")) {
                assertTrue(Files.exists(dir.resolve(resource.asText())), dir + ": " + resource.asText());
            }
            for (JsonNode patch : kustomization.path("patches")) {
                assertTrue(patch.has("patch") || Files.exists(dir.resolve(patch.path("path").asText())), dir + ": " + patch);
            }
        }
    }

    @Test
    void envUsesOnlyRealSettingsAndLoadsThroughTheRelaysConfigLoader() {
        for (List<JsonNode> env : List.of(KubernetesManifests.baseEnv(), KubernetesManifests.ownerRoutingEnv())) {
            List<String> helpers = KubernetesManifests.referencedNames(env);
            for (JsonNode entry : env) {
                String name = entry.path("name").asText();
                assertTrue(SETTINGS.contains(name) || name.startsWith("RELAY_KAFKA_PROPERTY_") || helpers.contains(name),
                        "not a relay setting (nor referred to by one): " + name);
            }
            RelayConfig config = load(env);
            assertEquals(httpContainerPort(), config.http().port(), "the relay listens on the container port");
            assertEquals(KubernetesManifests.POD_NAME, config.nodeId());
        }
    }

    @Test
    void baseServesAnyClientThroughTheServiceAndTheOverlayRoutesToOwners() {
        assertEquals("anywhere", load(KubernetesManifests.baseEnv()).kafka().mode());
        RelayConfig owners = load(KubernetesManifests.ownerRoutingEnv());
        assertEquals("owner", owners.kafka().mode());
        assertEquals("ws://" + KubernetesManifests.POD_IP + ":" + httpContainerPort() + "/v1/ws", owners.http().advertisedUrl());
        assertEquals(null, owners.kafka().groupInstanceId(), "no static membership under an autoscaler");
    }

    @Test
    void probesAreHttpGetsOnTheRelaysPort() {
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode get = CONTAINER.path(probe).path("httpGet");
            assertEquals("http", get.path("port").asText(), probe);
            assertFalse(CONTAINER.path(probe).has("exec"), probe + " starts no process");
        }
        assertEquals("/health/live", CONTAINER.path("livenessProbe").path("httpGet").path("path").asText());
        assertEquals("/health/ready", CONTAINER.path("readinessProbe").path("httpGet").path("path").asText());
        assertEquals(String.valueOf(httpContainerPort()), POD.path("metadata").path("annotations").path("prometheus.io/port").asText());
    }

    @Test
    void gracePeriodIsPreStopPlusTheShutdownTimeout() {
        JsonNode preStop = CONTAINER.path("lifecycle").path("preStop").path("exec").path("command");
        assertEquals("sleep", preStop.get(0).asText());
        long preStopSeconds = Long.parseLong(preStop.get(1).asText());
        long shutdownSeconds = load(KubernetesManifests.baseEnv()).shutdownTimeout().toSeconds();
        assertEquals(preStopSeconds + shutdownSeconds + EXIT_MARGIN_SECONDS,
                POD.path("spec").path("terminationGracePeriodSeconds").asLong());
    }

    @Test
    void runsAsTheImagesNumericNonRootUser() throws IOException {
        Matcher user = Pattern.compile("(?m)^USER (\\d+)(?::(\\d+))?$")
                .matcher(Files.readString(Path.of("..", "..", "Dockerfile")));
        assertTrue(user.find(), "the Dockerfile's USER is numeric");
        JsonNode security = POD.path("spec").path("securityContext");
        assertTrue(security.path("runAsNonRoot").asBoolean());
        assertEquals(Long.parseLong(user.group(1)), security.path("runAsUser").asLong());
        assertTrue(security.path("runAsUser").asLong() > 0);
        assertFalse(CONTAINER.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true));
    }

    @Test
    void requestsCpuAndMemoryAndLimitsMemoryToItsRequest() {
        JsonNode resources = CONTAINER.path("resources");
        assertFalse(resources.path("requests").path("cpu").asText().isEmpty());
        assertEquals(resources.path("requests").path("memory").asText(), resources.path("limits").path("memory").asText(),
                "the heap is committed up front: a limit above the request could be taken away");
    }

    @Test
    void serviceDisruptionBudgetAndAutoscalerSelectTheRelayPods() {
        Map<String, String> podLabels = labels(POD.path("metadata").path("labels"));
        JsonNode service = baseResource("Service");
        assertTrue(podLabels.entrySet().containsAll(labels(service.path("spec").path("selector")).entrySet()));
        JsonNode port = service.path("spec").path("ports").get(0);
        assertEquals("http", port.path("targetPort").asText());
        JsonNode pdb = baseResource("PodDisruptionBudget");
        assertTrue(podLabels.entrySet().containsAll(labels(pdb.path("spec").path("selector").path("matchLabels")).entrySet()));
        assertEquals(labels(DEPLOYMENT.path("spec").path("selector").path("matchLabels")),
                labels(pdb.path("spec").path("selector").path("matchLabels")));
        JsonNode hpa = baseResource("HorizontalPodAutoscaler");
        assertEquals(DEPLOYMENT.path("metadata").path("name").asText(), hpa.path("spec").path("scaleTargetRef").path("name").asText());
        JsonNode metric = hpa.path("spec").path("metrics").get(0);
        assertEquals("Pods", metric.path("type").asText());
        assertEquals(KubernetesProbesIT.SESSIONS_METRIC, metric.path("pods").path("metric").path("name").asText());
    }

    @Test
    void prometheusAdapterServesTheMetricTheAutoscalerReads() {
        JsonNode rule = read(DIR.resolve("prometheus-adapter-values.yaml")).path("rules").path("custom").get(0);
        assertTrue(rule.path("seriesQuery").asText().startsWith(KubernetesProbesIT.SESSIONS_METRIC + "{"));
        assertEquals(KubernetesProbesIT.SESSIONS_METRIC, rule.path("name").path("as").asText());
    }

    @Test
    void ownerRoutingScalesOnTheRelaysOwnGroupAndTopicAndReplacesTheBaseAutoscaler() {
        RelayConfig config = load(KubernetesManifests.ownerRoutingEnv());
        JsonNode scaled = read(OWNER_ROUTING.resolve("scaledobject.yaml"));
        assertEquals("ScaledObject", scaled.path("kind").asText());
        assertEquals(DEPLOYMENT.path("metadata").path("name").asText(), scaled.path("spec").path("scaleTargetRef").path("name").asText());
        Set<String> triggers = new HashSet<>();
        for (JsonNode trigger : scaled.path("spec").path("triggers")) {
            triggers.add(trigger.path("type").asText());
            JsonNode meta = trigger.path("metadata");
            if ("kafka".equals(trigger.path("type").asText())) {
                assertEquals(config.kafka().bootstrapServers(), meta.path("bootstrapServers").asText());
                assertEquals(config.kafka().groupId(), meta.path("consumerGroup").asText());
                assertEquals(config.kafka().topic(), meta.path("topic").asText());
                assertEquals("false", meta.path("allowIdleConsumers").asText(), "replicas beyond partitions idle");
            } else {
                assertTrue(meta.path("query").asText().contains(KubernetesProbesIT.SESSIONS_METRIC + "{"), meta.toString());
            }
        }
        assertEquals(Set.of("kafka", "prometheus"), triggers);
        String deletion = read(OWNER_ROUTING.resolve("kustomization.yaml")).path("patches").findValuesAsText("patch").get(0);
        assertTrue(deletion.contains("$patch: delete") && deletion.contains("kind: HorizontalPodAutoscaler"), deletion);
    }

    private static Map<String, String> labels(JsonNode node) {
        Map<String, String> labels = new java.util.TreeMap<>();
        node.fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        assertFalse(labels.isEmpty(), "no labels");
        return labels;
    }
}
