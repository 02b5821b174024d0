package io.notifyrelay.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.cluster.RelayJvm;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults beyond SIGKILL (issue #15), each with relay nodes as separate processes running the shipped
 * defaults, one broker process shared by the scenarios, and Java clients checked against what was published:
 * 0 lost, 0 misdelivered, and the longest any event waited (the longest a client went without an event it
 * was due) bounded.
 */
class FaultsIT {

    private static final int PARTITIONS = 6;
    private static final int RATE = 100;
    private static final Duration PRODUCE_FOR = Duration.ofSeconds(30);
    /**
     * The target: no client without events for more than 15 s after a kill -9 or a cut, with defaults.
     * In the default mode (anywhere) the other node already reads every partition: after a kill its clients
     * reconnect there (0.5-3.1 s measured); after a cut the node gives up on Kafka after 6 s
     * (RELAY_KAFKA_UNREACHABLE_AFTER) and closes its sessions 4503 (6.8-11.6 s measured, machine at load 12-20). In owner mode the kill took
     * 9.3-14.6 s (the session timeout, then the Java client's jittered routes backoff), hence the 20 s this bound
     * was before serve-anywhere.
     */
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(15);
    private static final String LOB = "lob-faults";

    private static ChaosSettings settings;
    private static ChaosCluster shared;

    private final List<ChaosClient> clients = new ArrayList<>();
    private final Map<String, ChaosReport.Sent> truth = new ConcurrentHashMap<>();
    private final List<String> timeline = Collections.synchronizedList(new ArrayList<>());
    private ChaosCluster cluster;
    private NotifyPublisher publisher;
    private long startNanos;

    @BeforeAll
    static void startBroker() throws Exception {
        ChaosSettings base = ChaosSettings.fromSystemProperties();
        Path workDir = base.workDir().resolveSibling("faults");
        if (java.nio.file.Files.exists(workDir)) {
            // a broker's data from an earlier run would still have its topics
            try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(workDir)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(path);
                }
            }
        }
        java.nio.file.Files.createDirectories(workDir);
        settings = new ChaosSettings(base.events(), base.ratePerSecond(), PARTITIONS, 1, 20, 2, 4,
                base.catchUpTimeout(), base.seed(), base.repoRoot(), workDir);
        shared = new ChaosCluster(settings, "faults.unused", "faults-unused");
        shared.startBroker();
    }

    @AfterAll
    static void stopBroker() {
        if (shared != null) {
            shared.close();
        }
    }

    @AfterEach
    void cleanUp() {
        clients.forEach(c -> {
            if (c.client != null) {
                c.client.close();
            }
        });
        if (publisher != null) {
            publisher.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void partitionsAddedLoseNothing() throws Exception {
        ChaosReport report = run("grow", Map.of(), 2, at -> {
            cluster.addPartitions(PARTITIONS + 3);
            note("topic grown to " + (PARTITIONS + 3) + " partitions");
        });
        assertClean(report, "partitions added (anywhere mode, the default)", Duration.ofSeconds(30));
    }

    @Test
    void partitionsAddedInOwnerModeLoseNothing() throws Exception {
        ChaosReport report = run("owner-grow", Map.of("RELAY_MODE", "owner"), 2, at -> {
            cluster.addPartitions(PARTITIONS + 3);
            note("topic grown to " + (PARTITIONS + 3) + " partitions");
        });
        assertClean(report, "partitions added (owner mode)", Duration.ofSeconds(30));
    }

    @Test
    void aKilledNodeLeavesNoClientWithoutEventsForLong() throws Exception {
        ChaosReport report = run("kill", Map.of(), 2, at -> {
            RelayJvm victim = cluster.relays().get(0);
            cluster.kill(victim);
            note("SIGKILLed " + victim);
        });
        assertClean(report, "kill -9 of one of two nodes", RECOVERY_BOUND);
    }

    /**
     * One node reaches the broker only through a forwarder that freezes for 20 s (no RST, no FIN: a dark link);
     * its clients must be served by the other node within the bound, and get everything.
     */
    @Test
    void theClientsOfANodeCutOffFromKafkaAreServedElsewhereSoon() throws Exception {
        java.util.concurrent.ScheduledExecutorService heal = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try (TcpForwarder link = new TcpForwarder(shared.cuttableAdvertisedPort(), shared.cuttableListenerPort())) {
            String cutBootstrap = "127.0.0.1:" + shared.cuttableAdvertisedPort();
            RawSession[] observer = new RawSession[1];
            ChaosReport report = run("cut", node -> node == 1 ? Map.of("RELAY_KAFKA_BOOTSTRAP_SERVERS", cutBootstrap)
                    : Map.of(), 2, at -> {
                // what the protocol says, seen by a bare WebSocket session on the node about to be cut off
                observer[0] = RawSession.open(cluster.relays().get(0).webSocketUrl(), LOB);
                link.freeze();
                note("cut-1's link to Kafka frozen");
                heal.schedule(() -> {
                    link.unfreeze();
                    note("cut-1's link to Kafka back");
                }, 20, TimeUnit.SECONDS);
            });
            assertClean(report, "one node cut off from Kafka for 20 s", RECOVERY_BOUND);
            assertTrue(observer[0].frames.stream().anyMatch(f -> f.contains("\"type\":\"status\"")
                    && f.contains("\"kafka\":\"unreachable\"")), "status frame: " + observer[0].frames);
            assertEquals(4503, observer[0].closeCode.get(5, TimeUnit.SECONDS), "close code of the cut-off node");
        } finally {
            heal.shutdownNow();
        }
    }

    private ChaosReport run(String name, Map<String, String> env, int nodes, Fault fault) throws Exception {
        return run(name, node -> env, nodes, fault);
    }

    /** Starts the nodes, the clients and a producer; {@code fault} runs a third of the way through. */
    private ChaosReport run(String name, java.util.function.IntFunction<Map<String, String>> envOf, int nodes,
                            Fault fault) throws Exception {
        Map<String, String> env = envOf.apply(0);
        startNanos = System.nanoTime();
        cluster = new ChaosCluster(settings, "faults." + name, "faults-" + name).sharingBrokerOf(shared);
        cluster.createTopic(PARTITIONS);
        List<RelayJvm> relays = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            relays.add(cluster.startRelay(name + "-" + i, envOf.apply(i)));
        }
        relays.forEach(cluster::awaitReady);
        cluster.awaitStableRoutes(PARTITIONS);
        note(nodes + " nodes ready");
        Random random = new Random(settings.seed());
        List<String> contacts = new ArrayList<>();
        for (int c = 0; c < settings.contactsPerLob(); c++) {
            contacts.add(new UUID(random.nextLong(), random.nextLong()).toString());
        }
        clients.add(new ChaosClient(name + "/all-0", LOB, null));
        clients.add(new ChaosClient(name + "/all-1", LOB, null));
        int[] sizes = {1, 3, 6, 10};
        for (int i = 0; i < sizes.length; i++) {
            List<String> shuffled = new ArrayList<>(contacts);
            Collections.shuffle(shuffled, random);
            clients.add(new ChaosClient(name + "/c-" + i, LOB, new LinkedHashSet<>(shuffled.subList(0, sizes[i]))));
        }
        List<String> seeds = relays.stream().map(RelayJvm::webSocketUrl).toList();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (ChaosClient chaosClient : clients) {
            chaosClient.start(seeds, http, Duration.ofHours(1));
        }
        for (ChaosClient chaosClient : clients) {
            assertTrue(chaosClient.client.awaitLive(Duration.ofSeconds(60)), chaosClient.name + " live");
        }
        note(clients.size() + " clients live");

        // producers pick up a grown topic at their metadata refresh (Java: 5 min by default); the README asks
        // producers of a topic that may grow to refresh at least as often as the relay does
        publisher = NotifyPublisher.builder().bootstrapServers(cluster.bootstrapServers()).topic(cluster.topic())
                .producerProperty("linger.ms", 5).producerProperty("metadata.max.age.ms", 1000).build();
        int events = (int) (RATE * PRODUCE_FOR.toSeconds());
        long interval = TimeUnit.SECONDS.toNanos(1) / RATE;
        long next = System.nanoTime();
        Semaphore inFlight = new Semaphore(1000);
        AtomicLong failures = new AtomicLong();
        for (int i = 0; i < events; i++) {
            if (i == events / 3) {
                fault.run(i);
            }
            String contact = contacts.get(random.nextInt(contacts.size()));
            long sentAt = System.nanoTime();
            inFlight.acquire();
            publisher.publishAsync(LOB, contact, notification(contact, i)).whenComplete((result, failure) -> {
                if (failure != null) {
                    failures.incrementAndGet();
                } else {
                    truth.put(result.eventId(), new ChaosReport.Sent(LOB, contact, sentAt, result.partition(),
                            result.offset()));
                }
                inFlight.release();
            });
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing: the fault happens while events flow
            }
        }
        publisher.flush();
        assertTrue(inFlight.tryAcquire(1000, 60, TimeUnit.SECONDS), "every publish acknowledged");
        assertEquals(0, failures.get(), "publish failures");
        note(events + " events acknowledged");
        try {
            await("every client has every event addressed to it").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250)).until(() -> ChaosReport.missing(truth, clients) == 0);
            note("all clients caught up");
        } catch (ConditionTimeoutException e) {
            note("still missing after 60 s: " + ChaosReport.missing(truth, clients));
            clients.forEach(c -> note(c.client.diagnostics()));
        }
        ChaosReport report = new ChaosReport(truth, clients);
        String rendered = report.render("Faults: " + name, timeline, Duration.ofNanos(System.nanoTime() - startNanos));
        System.out.println(rendered);
        System.err.println(rendered);
        return report;
    }

    private void assertClean(ChaosReport report, String what, Duration longestWait) {
        String figure = "[faults] " + what + ": longest an event waited " + report.maxDelayMs + " ms, lost "
                + report.lost + ", misdelivered " + report.misdelivered;
        System.out.println(figure);
        System.err.println(figure);
        assertEquals(events(), report.sent, "every event is in the ground truth");
        assertEquals(0, report.misdelivered, "misdelivered");
        assertEquals(0, report.lost, "lost");
        assertTrue(report.maxDelayMs <= longestWait.toMillis(), what + ": an event waited " + report.maxDelayMs
                + " ms, more than " + longestWait.toMillis());
    }

    private static long events() {
        return RATE * PRODUCE_FOR.toSeconds();
    }

    /** A bare WebSocket session, LOB-wide, that records every text frame and the close code. */
    private static final class RawSession implements java.net.http.WebSocket.Listener {
        final List<String> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.concurrent.CompletableFuture<Integer> closeCode = new java.util.concurrent.CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        static RawSession open(String url, String lob) throws Exception {
            RawSession session = new RawSession();
            java.net.http.WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(java.net.URI.create(url), session).get(10, TimeUnit.SECONDS);
            ws.sendText("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(ChaosCluster.SECRET).lob(lob)
                    .expiresIn(Duration.ofHours(1)).sign() + "\"}", true).get(5, TimeUnit.SECONDS);
            ws.sendText("{\"type\":\"subscribe\"}", true).get(5, TimeUnit.SECONDS);
            return session;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket ws, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(java.net.http.WebSocket ws, Throwable error) {
            closeCode.completeExceptionally(error);
        }
    }

    @FunctionalInterface
    interface Fault {
        void run(int atEvent) throws Exception;
    }

    private void note(String what) {
        String line = String.format("%6.1fs %s", (System.nanoTime() - startNanos) / 1e9, what);
        timeline.add(line);
        System.out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " [faults] " + line);
    }

    private static String notification(String contact, int sequence) {
        return "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact
                + "\",\"state\":\"accepted-invitation\",\"message\":\"fault event " + sequence + "\"}}";
    }
}
