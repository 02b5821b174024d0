package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.routing.Crc32Partitioner;
import io.notifyrelay.core.routing.Murmur2Partitioner;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.WsTestClient;
import io.notifyrelay.testkit.cluster.InProcessCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A producer in another language: kcat (librdkafka) sets the key and headers by hand and places keys
 * with librdkafka's default partitioner, consistent_random. A relay configured for it routes right.
 */
@RealKafka
class LibrdkafkaProducerIT {

    @Test
    void kcatProducedEventsAreRoutedWithTheLibrdkafkaPartitioner(KafkaBackend kafka) throws Exception {
        String topic = TestRelays.uniqueName("kcat");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        Crc32Partitioner librdkafka = new Crc32Partitioner();
        Murmur2Partitioner java = new Murmur2Partitioner();
        String contact;
        do {
            contact = UUID.randomUUID().toString();
        } while (librdkafka.partitionOf(contact, TestRelays.PARTITIONS) == java.partitionOf(contact, TestRelays.PARTITIONS));
        int expectedPartition = librdkafka.partitionOf(contact, TestRelays.PARTITIONS);

        try (InProcessCluster cluster = TestRelays.cluster(kafka, topic, env -> env.put("RELAY_PARTITIONER", "consistent_random"))) {
            cluster.startNode();
            cluster.startNode();
            cluster.awaitStableRoutes();
            RelayNode owner = cluster.nodes().stream()
                    .filter(n -> InProcessCluster.partitionsOf(n).contains(expectedPartition)).findFirst().orElseThrow();
            JsonNode route = Notifications.tree(TestRelays.get(owner, "/v1/routes?contactId=" + contact).body());
            assertEquals("consistent_random", route.path("partitioner").asText());
            assertEquals(expectedPartition, route.path("partition").asInt());

            String lob = TestRelays.uniqueName("lob");
            try (WsTestClient client = ScaleOutIT.authenticated(owner.webSocketUrl(), lob)) {
                client.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
                JsonNode subscribed = client.awaitFrame("subscribed");
                assertEquals(contact, subscribed.path("contacts").get(0).asText());
                String eventId = UUID.randomUUID().toString();
                kcat(kafka.bootstrapServers(), topic, contact, lob, eventId,
                        Notifications.connection(contact, "accepted-invitation"));
                JsonNode event = client.awaitFrame(f -> eventId.equals(f.path("id").asText()));
                int partition = Cursor.decode(event.path("cursor").asText()).orElseThrow().partition();
                assertEquals(expectedPartition, partition, "kcat placed the key where the relay expected it");
                assertEquals(Notifications.tree(Notifications.connection(contact, "accepted-invitation")),
                        event.path("data"));
            }
        }
    }

    private static void kcat(String bootstrap, String topic, String key, String lob, String eventId, String value)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kcat", "-P", "-b", bootstrap, "-t", topic, "-k", key,
                "-H", "ce_specversion=1.0", "-H", "ce_id=" + eventId, "-H", "ce_source=urn:kcat-test",
                "-H", "ce_type=notify.connection-response", "-H", "ce_lobid=" + lob,
                "-H", "content-type=application/json"));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("kcat is needed for this test: apt-get install kcat "
                    + "(.ci/run and ./scripts/test install it)", e);
        }
        process.getOutputStream().write(value.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "kcat finished");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "kcat failed: " + output);
    }
}
