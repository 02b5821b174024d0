package io.notifyrelay.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.app.ConfigLoader;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.SharedKafkaExtension;
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
 * The load client's LOB-wide sessions against a real relay node's frames (in-process, the test kit's broker):
 * Socket.IO sessions (Engine.IO 4 over a WebSocket, CONNECT, REGISTER_SOCKET) and LOB-wide {@code /v1/ws} sessions
 * of the same LOBs, half of each through a {@link ChoppingProxy}. Every event must count once on every session of
 * its LOB, with its latency, over either protocol. The node pings every second (RELAY_HEARTBEAT_INTERVAL, shortened
 * so that a Socket.IO session that did not answer pings with pongs would be dropped within the test); shipped
 * defaults otherwise, except what a test node needs (port 0, its own topic, group and secret, offset reset latest).
 */
@ExtendWith(SharedKafkaExtension.class)
class SocketIoLoadClientTest {

    private static final int LOBS = 3;
    private static final int PER_LOB = 4;
    private static final int EVENTS = 600;

    @Test
    @Timeout(120)
    void countsEveryEventOnEverySessionOfItsLobOverSocketIoAndWs(KafkaBackend kafka) throws Exception {
        String topic = "sio-load-" + UUID.randomUUID().toString().substring(0, 8);
        kafka.createTopic(topic, 3);
        RelayNode node = RelayNode.start(ConfigLoader.load(new String[0], env(kafka, topic)));
        Recorder sioLatency = new Recorder(3);
        try (LoadProducer producer = new LoadProducer(kafka.bootstrapServers(), topic,
                new Notifications(500, BenchContext.CONTACT_LENGTH), 0);
             WsLoadClient sio = new WsLoadClient(2, sioLatency);
             WsLoadClient ws = new WsLoadClient(1, null)) {
            await("relay node ready").atMost(Duration.ofSeconds(60)).until(node::isReady);
            URI url = URI.create(node.webSocketUrl());
            InetSocketAddress direct = new InetSocketAddress(url.getHost(), url.getPort());
            try (ChoppingProxy proxy = new ChoppingProxy(direct)) {
                List<LoadProducer.Target> targets = new ArrayList<>();
                List<byte[]> keys = new ArrayList<>();
                Semaphore subscribed = new Semaphore(0);
                for (int l = 0; l < LOBS; l++) {
                    String contact = SessionPopulation.contactId(l);
                    targets.add(new LoadProducer.Target("lob-" + l, contact));
                    keys.add(contact.getBytes(StandardCharsets.US_ASCII));
                }
                for (int i = 0; i < LOBS * PER_LOB; i++) {
                    InetSocketAddress to = i % 2 == 0 ? proxy.address() : direct;
                    String lob = "lob-" + (i % LOBS);
                    sio.open(SessionPopulation.lobWideSpec(to, lob, SessionPopulation.Kind.SOCKET_IO), subscribed);
                    ws.open(SessionPopulation.lobWideSpec(to, lob, SessionPopulation.Kind.LOB_WIDE), subscribed);
                }
                int sessions = 2 * LOBS * PER_LOB;
                assertTrue(subscribed.tryAcquire(sessions, 30, TimeUnit.SECONDS), "every session registered or failed");
                assertEquals(LOBS * PER_LOB, sio.ready.get(), "socket.io registered; last failure: " + sio.lastFailure);
                assertEquals(LOBS * PER_LOB, ws.ready.get(), "ws subscribed; last failure: " + ws.lastFailure);

                producer.burst(EVENTS, targets, keys, "sio-client-test-");
                long each = (long) EVENTS * PER_LOB;
                await("every event counted").atMost(Duration.ofSeconds(30))
                        .until(() -> sio.events() >= each && ws.events() >= each);
                Histogram h = sioLatency.getIntervalHistogram();
                assertEquals(each, h.getTotalCount(), "one latency per socket.io message (timestamp found)");
                assertTrue(h.getMaxValue() < TimeUnit.SECONDS.toMicros(30), "latency in µs: " + h.getMaxValue());

                // two pings answered per socket.io session: they stay, and nothing was counted twice
                long pingsBefore = sio.pings.get();
                await("two heartbeats answered").atMost(Duration.ofSeconds(30))
                        .until(() -> sio.pings.get() - pingsBefore >= 2L * LOBS * PER_LOB);
                producer.burst(LOBS, targets, keys, "sio-client-marker-");
                await("the markers counted").atMost(Duration.ofSeconds(30))
                        .until(() -> sio.events() >= each + PER_LOB * LOBS && ws.events() >= each + PER_LOB * LOBS);
                assertEquals(each + PER_LOB * LOBS, sio.events());
                assertEquals(each + PER_LOB * LOBS, ws.events());
                assertEquals(0, sio.closedByServer.get(), "no socket.io session dropped: pongs answered the pings");
                assertEquals(0, sio.errorFrames.get() + ws.errorFrames.get(), "no error frames");
                assertEquals(0, sio.otherFrames.get(), "only notification packets (auth.events = notification)");
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
        env.put("RELAY_JWT_SECRET", BenchContext.SECRET);
        env.put("RELAY_NODE_ID", topic + "-node");
        env.put("RELAY_KAFKA_PROPERTY_AUTO_OFFSET_RESET", "latest");
        env.put("RELAY_HEARTBEAT_INTERVAL", "1s");
        return env;
    }
}
