package io.notifyrelay.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.app.ConfigLoader;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.SharedKafkaExtension;
import io.notifyrelay.testkit.TestTokens;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bench's load client against the relay's own frames: a real relay node (in-process, the test kit's broker)
 * and real sessions opened by {@link WsLoadClient}. Half the sessions go through a {@link ChoppingProxy}, so
 * frames arrive cut across reads and several to a read; the figures the bench reports (events, latency, server
 * closes) must come out exact either way. Relay settings are the shipped defaults, except those a test node needs
 * (port 0, its own topic and group, a secret, auto.offset.reset=latest for a group with no committed offset).
 */
@ExtendWith(SharedKafkaExtension.class)
class WsLoadClientTest {

    private static final String SECRET = "ws-load-client-test-secret-0123456789abcdef";
    private static final int SESSIONS = 40;
    private static final int EVENTS = 2_000;

    @Test
    @Timeout(120)
    void countsEventsLatencyAndServerClosesFromRealRelayFrames(KafkaBackend kafka) throws Exception {
        String topic = "ws-load-" + UUID.randomUUID().toString().substring(0, 8);
        kafka.createTopic(topic, 3);
        RelayNode node = RelayNode.start(ConfigLoader.load(new String[0], env(kafka, topic)));
        Recorder latency = new Recorder(3);
        try (LoadProducer producer = new LoadProducer(kafka.bootstrapServers(), topic,
                new Notifications(500, BenchContext.CONTACT_LENGTH), 0);
             WsLoadClient client = new WsLoadClient(2, latency)) {
            await("relay node ready").atMost(Duration.ofSeconds(60)).until(node::isReady);
            URI ws = URI.create(node.webSocketUrl());
            InetSocketAddress direct = new InetSocketAddress(ws.getHost(), ws.getPort());
            try (ChoppingProxy proxy = new ChoppingProxy(direct)) {
                List<LoadProducer.Target> targets = new ArrayList<>();
                List<byte[]> keys = new ArrayList<>();
                Semaphore subscribed = new Semaphore(0);
                for (int i = 0; i < SESSIONS; i++) {
                    String lob = "lob-" + (i % 3);
                    String contact = SessionPopulation.contactId(i);
                    targets.add(new LoadProducer.Target(lob, contact));
                    keys.add(contact.getBytes(StandardCharsets.US_ASCII));
                    String auth = "{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(SECRET)
                            .lob(lob).sign() + "\"}";
                    client.open(new WsLoadClient.Spec(i % 2 == 0 ? proxy.address() : direct, "/v1/ws", auth,
                            "{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}", null), subscribed);
                }
                assertTrue(subscribed.tryAcquire(SESSIONS, 30, TimeUnit.SECONDS), "every session subscribed or failed");
                assertEquals(SESSIONS, client.ready.get(), "subscribed; last failure: " + client.lastFailure);

                producer.burst(EVENTS, targets, keys, "load-client-test-");
                await("every event counted").atMost(Duration.ofSeconds(30)).until(() -> client.events() >= EVENTS);
                // nothing counted twice or made up: one more event, and the count is exactly one more
                producer.burst(1, targets, keys, "load-client-marker-");
                await("the marker counted").atMost(Duration.ofSeconds(30)).until(() -> client.events() >= EVENTS + 1);
                assertEquals(EVENTS + 1, client.events());

                Histogram h = latency.getIntervalHistogram();
                assertEquals(EVENTS + 1, h.getTotalCount(), "one latency per event");
                assertTrue(h.getMinValue() >= 0 && h.getMaxValue() < TimeUnit.SECONDS.toMicros(30),
                        "latencies from the produce stamp, in µs: " + h.getMinValue() + ".." + h.getMaxValue());
                assertEquals(0, client.errorFrames.get(), "no error frames");
                assertEquals(0, client.otherFrames.get(), "every text frame after subscribed was an event");

                WsLoadClient.ReadShapes shapes = client.readShapes();
                assertTrue(shapes.split() > 0, "some reads ended inside a frame: " + shapes);
                assertTrue(shapes.multiFrame() > 0, "some reads held several frames: " + shapes);

                node.close(); // every session gets 1001 (going away)
                await("server closes counted").atMost(Duration.ofSeconds(30))
                        .until(() -> client.closedByServer.get() == SESSIONS);
                await("connections closed").atMost(Duration.ofSeconds(10)).until(() -> client.open.get() == 0);
                assertEquals(0, client.ready.get());
                assertEquals(0, client.closedTooSlow.get(), "a 1001 is not counted as too slow (4429)");
            }
        } finally {
            node.close();
        }
    }

    private static Map<String, String> env(KafkaBackend kafka, String topic) {
        Map<String, String> env = new HashMap<>();
        env.put("RELAY_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("RELAY_TOPIC", topic);
        env.put("RELAY_GROUP_ID", topic + "-group");
        env.put("RELAY_HTTP_HOST", "127.0.0.1");
        env.put("RELAY_HTTP_PORT", "0");
        env.put("RELAY_JWT_SECRET", SECRET);
        env.put("RELAY_NODE_ID", topic + "-node");
        env.put("RELAY_KAFKA_PROPERTY_AUTO_OFFSET_RESET", "latest");
        return env;
    }
}
