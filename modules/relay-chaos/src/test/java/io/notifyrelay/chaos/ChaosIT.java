package io.notifyrelay.chaos;

import io.notifyrelay.client.ClientFaults;
import io.notifyrelay.client.ConnectionState;
import io.notifyrelay.client.NotifyRelayClient;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.testkit.cluster.RelayJvm;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chaos test of issue #4: one broker and three relay nodes as separate processes, many Java clients
 * (LOB-wide and per contact, several LOBs), a producer sending while one node is SIGKILLed and replaced,
 * another SIGTERMed and restarted, and clients are cut off, stalled into 4429 and brought back. At the end
 * every client must have every event addressed to its subscription exactly once, and nothing else.
 *
 * <p>Size: {@code -Dchaos.events=N} (default 20 000), see {@link ChaosSettings}; {@code ./scripts/chaos --large}.
 */
class ChaosIT {

    private static final String UNWATCHED_LOB = "lob-unwatched";

    private final List<ChaosClient> clients = new ArrayList<>();
    private final List<String> timeline = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, ChaosReport.Sent> truth = new ConcurrentHashMap<>();
    private long startNanos;
    private ChaosCluster cluster;
    private NotifyPublisher publisher;
    private ExecutorService chaos;

    @AfterEach
    void cleanUp() {
        clients.forEach(c -> {
            if (c.client != null) {
                c.client.close();
            }
        });
        if (chaos != null) {
            chaos.shutdownNow();
        }
        if (publisher != null) {
            publisher.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyClientGetsEveryEventAddressedToItExactlyOnceThroughKillsRestartsAndCuts() throws Exception {
        ChaosSettings settings = ChaosSettings.fromSystemProperties();
        startNanos = System.nanoTime();
        Random random = new Random(settings.seed());
        cleanWorkDir(settings.workDir());
        note("seed " + settings.seed() + ", " + settings.events() + " events at " + settings.ratePerSecond()
                + "/s, logs in " + settings.workDir());

        // ---- one broker, three relay nodes, each its own process ----
        cluster = new ChaosCluster(settings);
        cluster.startBroker();
        cluster.createTopic(settings.partitions());
        note("broker up at " + cluster.bootstrapServers() + ", topic with " + settings.partitions() + " partitions");
        List<RelayJvm> initial = List.of(cluster.startRelay("relay-1"), cluster.startRelay("relay-2"),
                cluster.startRelay("relay-3"));
        initial.forEach(cluster::awaitReady);
        cluster.awaitStableRoutes(settings.partitions());
        note("3 relay nodes ready: " + cluster.partitionsByNode());

        // ---- LOBs, contacts, clients ----
        List<String> lobs = new ArrayList<>();
        Map<String, List<String>> contactsByLob = new ConcurrentHashMap<>();
        for (int l = 0; l < settings.lobs(); l++) {
            lobs.add("lob-" + l);
        }
        for (String lob : Stream.concat(lobs.stream(), Stream.of(UNWATCHED_LOB)).toList()) {
            List<String> contacts = new ArrayList<>();
            for (int c = 0; c < settings.contactsPerLob(); c++) {
                contacts.add(new UUID(random.nextLong(), random.nextLong()).toString());
            }
            contactsByLob.put(lob, contacts);
        }
        int[] contactSetSizes = {1, 4, 10};
        for (String lob : lobs) {
            for (int i = 0; i < settings.lobWideClientsPerLob(); i++) {
                clients.add(new ChaosClient(lob + "/all-" + i, lob, null));
            }
            for (int i = 0; i < settings.contactClientsPerLob(); i++) {
                List<String> shuffled = new ArrayList<>(contactsByLob.get(lob));
                Collections.shuffle(shuffled, random);
                int size = Math.min(shuffled.size(), contactSetSizes[i % contactSetSizes.length]);
                clients.add(new ChaosClient(lob + "/c-" + i, lob, new LinkedHashSet<>(shuffled.subList(0, size))));
            }
        }
        List<String> seeds = initial.stream().map(RelayJvm::webSocketUrl).toList();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (ChaosClient chaosClient : clients) {
            chaosClient.start(seeds, http, Duration.ofHours(2));
        }
        for (ChaosClient chaosClient : clients) {
            assertTrue(chaosClient.client.awaitLive(Duration.ofSeconds(60)), chaosClient.name + " live");
        }
        long lobWideCount = clients.stream().filter(ChaosClient::lobWide).count();
        note(clients.size() + " clients live (" + lobWideCount + " LOB-wide, " + (clients.size() - lobWideCount)
                + " per contact) over " + lobs.size() + " LOBs; " + UNWATCHED_LOB + " has events and no client");

        // ---- the producer, with chaos on the way ----
        publisher = NotifyPublisher.builder().bootstrapServers(cluster.bootstrapServers()).topic(ChaosCluster.TOPIC)
                .producerProperty("linger.ms", 5).build();
        chaos = Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "chaos-monkey"));
        List<Step> steps = plan(settings);
        List<Future<?>> chaosDone = new ArrayList<>();
        Semaphore inFlight = new Semaphore(5000);
        AtomicLong failures = new AtomicLong();
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / settings.ratePerSecond();
        long next = System.nanoTime();
        int stepIndex = 0;
        note("producing");
        for (int i = 0; i < settings.events(); i++) {
            while (stepIndex < steps.size() && i >= steps.get(stepIndex).atFraction * settings.events()) {
                Step step = steps.get(stepIndex++);
                int at = i;
                chaosDone.add(chaos.submit(() -> {
                    note("at event " + at + ": " + step.description);
                    step.action.run();
                    return null;
                }));
            }
            // a watched LOB most of the time; every tenth event for nobody's LOB, which must reach no one
            String lob = random.nextInt(10) == 0 ? UNWATCHED_LOB : lobs.get(random.nextInt(lobs.size()));
            List<String> contacts = contactsByLob.get(lob);
            String contact = contacts.get(random.nextInt(contacts.size()));
            long sentAt = System.nanoTime();
            inFlight.acquire();
            publisher.publishAsync(lob, contact, notification(contact, i)).whenComplete((result, failure) -> {
                if (failure != null) {
                    failures.incrementAndGet();
                } else {
                    truth.put(result.eventId(), new ChaosReport.Sent(lob, contact, sentAt, result.partition(),
                            result.offset()));
                }
                inFlight.release(); // after the ground truth has it: the final count waits for every permit
            });
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing, so the chaos happens while events flow
            }
        }
        publisher.flush();
        assertTrue(inFlight.tryAcquire(5000, 60, TimeUnit.SECONDS), "every publish acknowledged");
        note("all " + settings.events() + " events acknowledged by the broker (" + failures.get() + " failed)");
        for (Future<?> step : chaosDone) {
            step.get(180, TimeUnit.SECONDS); // rethrows a failed chaos step
        }

        // ---- every client catches up (bounded), then the verdict ----
        // bounded: at most the catch-up timeout, and 30 s without progress while every client says it is live
        long[] last = {Long.MAX_VALUE, System.nanoTime()};
        try {
            await("every client has every event addressed to it").atMost(settings.catchUpTimeout())
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        long missing = ChaosReport.missing(truth, clients);
                        if (missing != last[0]) {
                            last[0] = missing;
                            last[1] = System.nanoTime();
                        }
                        boolean allLive = clients.stream().allMatch(c -> c.client.state() == ConnectionState.LIVE);
                        boolean stuck = allLive && System.nanoTime() - last[1] > TimeUnit.SECONDS.toNanos(30);
                        return missing == 0 || stuck;
                    });
            long missing = ChaosReport.missing(truth, clients);
            note(missing == 0 ? "all clients caught up"
                    : "no progress for 30 s with every client live: " + missing + " deliveries missing");
        } catch (ConditionTimeoutException e) {
            note("gave up waiting after " + settings.catchUpTimeout().toSeconds() + " s: "
                    + ChaosReport.missing(truth, clients) + " deliveries missing");
        }
        StringBuilder stuck = new StringBuilder();
        for (ChaosClient chaosClient : clients) {
            if (chaosClient.client.state() != ConnectionState.LIVE) {
                note(chaosClient.name + " ends " + chaosClient.client.state());
            }
            if (chaosClient.client.state() != ConnectionState.LIVE || ChaosReport.missing(truth, List.of(chaosClient)) > 0) {
                stuck.append(chaosClient.client.diagnostics());
            }
        }
        if (stuck.length() > 0) {
            // for the diagnosis: what the unfinished clients wait for, and every thread of this JVM
            StringBuilder threads = new StringBuilder();
            Thread.getAllStackTraces().forEach((thread, stack) -> {
                threads.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
                for (StackTraceElement frame : stack) {
                    threads.append("    at ").append(frame).append('\n');
                }
            });
            Files.writeString(settings.workDir().resolve("unfinished-clients.txt"), stuck + "\n" + threads);
            note("unfinished clients and a thread dump: " + settings.workDir().resolve("unfinished-clients.txt"));
        }
        ChaosReport report = new ChaosReport(truth, clients);
        String rendered = report.render("Chaos: " + settings.events() + " events, " + clients.size() + " clients, "
                + "3 relay nodes + 1 broker as processes", timeline, Duration.ofNanos(System.nanoTime() - startNanos));
        System.out.println(rendered);
        System.err.println(rendered); // also on the console when Maven redirects test output to a file
        Files.writeString(settings.workDir().resolve("summary.txt"), rendered);

        assertEquals(0, failures.get(), "publish failures");
        assertEquals(settings.events(), report.sent, "every event is in the ground truth");
        assertEquals(0, report.misdelivered, "misdelivered");
        assertEquals(0, report.deliveredTwice, "delivered twice after de-duplication");
        assertEquals(0, report.lost, "lost");
    }

    /** The chaos, by how far the producer is. */
    private List<Step> plan(ChaosSettings settings) {
        List<Step> steps = new ArrayList<>();
        steps.add(new Step(0.10, "cut off a quarter of the clients for 3 s (sockets dropped, no close frame)",
                () -> each(0, client -> ClientFaults.of(client).goOffline(Duration.ofSeconds(3)))));
        steps.add(new Step(0.20, "SIGKILL relay-1, start relay-4 on a new port", () -> {
            RelayJvm victim = relay("relay-1");
            cluster.kill(victim);
            note("relay-1 killed (" + victim.process().exitValue() + ")");
            RelayJvm replacement = cluster.startRelay("relay-4");
            cluster.awaitReady(replacement);
            note("relay-4 ready at :" + replacement.port());
        }));
        steps.add(new Step(0.40, "SIGTERM relay-2, restart it on the same port", () -> {
            RelayJvm victim = relay("relay-2");
            cluster.terminate(victim);
            note("relay-2 stopped (exit " + victim.process().exitValue() + ")");
            RelayJvm again = cluster.restart(victim);
            cluster.awaitReady(again);
            note("relay-2 ready again at :" + again.port());
        }));
        steps.add(new Step(0.55, "a quarter of the clients stop reading for 20 s (a frozen tab)",
                () -> each(1, client -> ClientFaults.of(client).stallReading(Duration.ofSeconds(20)))));
        steps.add(new Step(0.70, "drop every connection of a quarter of the clients",
                () -> each(2, client -> ClientFaults.of(client).dropConnections())));
        steps.add(new Step(0.80, "cut off a quarter of the clients for 5 s",
                () -> each(3, client -> ClientFaults.of(client).goOffline(Duration.ofSeconds(5)))));
        steps.sort(Comparator.comparingDouble(step -> step.atFraction));
        return steps;
    }

    private record Step(double atFraction, String description, ThrowingRunnable action) {
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private RelayJvm relay(String name) {
        return cluster.relays().stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no running " + name));
    }

    /** Applies a fault to every fourth client, starting at {@code offset}. */
    private void each(int offset, Consumer<NotifyRelayClient> fault) {
        for (int i = offset; i < clients.size(); i += 4) {
            fault.accept(clients.get(i).client);
        }
    }

    private void note(String what) {
        String line = String.format("%6.1fs %s", (System.nanoTime() - startNanos) / 1e9, what);
        timeline.add(line);
        System.out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " [chaos] " + line);
    }

    /** About 700 bytes, like a real notification with its contact details; enough to fill a stalled reader. */
    private static String notification(String contact, int sequence) {
        String[] states = {"accepted-invitation", "received-invitation", "declined-invitation"};
        return "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact + "\",\"state\":\""
                + states[sequence % states.length] + "\",\"message\":\"chaos event " + sequence + " " + FILLER + "\"}}";
    }

    private static final String FILLER = "lorem ipsum dolor sit amet ".repeat(20);

    private static void cleanWorkDir(Path workDir) throws IOException {
        if (Files.exists(workDir)) {
            try (Stream<Path> paths = Files.walk(workDir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(workDir);
    }
}
