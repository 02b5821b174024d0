package io.notifyrelay.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The paths deploy/kubernetes probes and scrapes, on a real node started with the base Deployment's settings (only
 * the broker, topic, port and host swapped for the test's): the probes answer 200 and /metrics carries the gauge
 * the autoscalers read.
 */
@RealKafka
class KubernetesProbesIT {

    static final String SESSIONS_METRIC = "relay_sessions";

    @Test
    void probeAndMetricsPathsOfTheManifestAnswerOnARealNode(KafkaBackend kafka) {
        String topic = TestRelays.uniqueName("k8s");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        Map<String, String> env = new HashMap<>(KubernetesManifests.resolve(KubernetesManifests.baseEnv()));
        env.putAll(TestRelays.env(kafka, topic, TestRelays.uniqueName("k8s-group")));
        try (RelayNode node = TestRelays.startReady(env)) {
            for (String probe : new String[] {"startupProbe", "livenessProbe", "readinessProbe"}) {
                String path = KubernetesManifests.probe(probe).path("httpGet").path("path").asText();
                assertEquals(200, TestRelays.get(node, path).statusCode(), probe + " " + path);
            }
            JsonNode annotations = KubernetesManifests.baseResource("Deployment")
                    .path("spec").path("template").path("metadata").path("annotations");
            HttpResponse<String> metrics = TestRelays.get(node, annotations.path("prometheus.io/path").asText());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().lines().anyMatch(line -> line.startsWith(SESSIONS_METRIC + " ")
                    || line.startsWith(SESSIONS_METRIC + "{")), "no " + SESSIONS_METRIC + " sample in /metrics");
        }
    }
}
