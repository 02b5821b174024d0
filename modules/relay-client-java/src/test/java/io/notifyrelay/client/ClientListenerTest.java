package io.notifyrelay.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where and how the listeners run: on the listener executor, in order, outside the client's lock. */
class ClientListenerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void closeAll() throws Exception {
        release.countDown();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private FakeRelay relayOwningPartition0() {
        FakeRelay.Cluster cluster = new FakeRelay.Cluster(1);
        FakeRelay relay = new FakeRelay(cluster);
        toClose.add(relay);
        cluster.own(relay, 0);
        return relay;
    }

    private NotifyRelayClient started(NotifyRelayClient.Builder builder) {
        NotifyRelayClient client = builder.build();
        toClose.add(client);
        client.start();
        await("client live").atMost(WAIT).until(() -> client.state() == ConnectionState.LIVE);
        return client;
    }

    private static NotifyRelayClient.Builder client(FakeRelay relay) {
        return NotifyRelayClient.builder().name("listener-test").seeds(relay.url()).tokenProvider(() -> "token")
                .lobWide();
    }

    private void awaitRelease() {
        try {
            assertTrue(release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aBlockedListenerHoldsNeitherTheLockNorTheSockets() {
        FakeRelay relay = relayOwningPartition0();
        List<String> threads = new CopyOnWriteArrayList<>();
        List<String> ids = new CopyOnWriteArrayList<>();
        NotifyRelayClient client = started(client(relay).onEvent(event -> {
            threads.add(Thread.currentThread().getName());
            if (event.id().equals("e1")) {
                awaitRelease();
            }
            ids.add(event.id());
        }));
        relay.session(0).event("e1", 0, 1, "lob", "c1");
        relay.session(0).event("e2", 0, 2, "lob", "c1");
        // the listener is stuck in e1, yet the client reads on and answers (it would block on its lock)
        await().atMost(WAIT).until(() -> client.stats().eventsDelivered() == 2);
        assertEquals(List.of(FakeRelay.cursor(0, 2)), client.cursors());
        assertEquals(List.of(), ids);
        release.countDown();
        await().atMost(WAIT).until(() -> ids.size() == 2);
        assertEquals(List.of("e1", "e2"), ids);
        assertEquals(List.of("listener-test-listeners"), threads.stream().distinct().toList());
    }

    @Test
    void anyExecutorGetsTheCallsOneAtATimeInOrder() {
        FakeRelay relay = relayOwningPartition0();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        toClose.add(pool::shutdownNow);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<String> ids = new CopyOnWriteArrayList<>();
        started(client(relay).listenerExecutor(pool).onEvent(event -> {
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            ids.add(event.id());
            inside.decrementAndGet();
        }));
        List<String> sent = IntStream.rangeClosed(1, 200).mapToObj(i -> "e" + i).toList();
        for (int i = 0; i < sent.size(); i++) {
            relay.session(0).event(sent.get(i), 0, i + 1, "lob", "c1");
        }
        await().atMost(WAIT).until(() -> ids.size() == sent.size());
        assertEquals(sent, ids);
        assertEquals(0, overlaps.get());
    }

    @Test
    void aListenerBacklogStopsTheReadingUntilTheListenerCatchesUp() {
        FakeRelay relay = relayOwningPartition0();
        List<String> ids = new CopyOnWriteArrayList<>();
        NotifyRelayClient client = started(client(relay).listenerBacklog(3).onEvent(event -> {
            awaitRelease();
            ids.add(event.id());
        }).onStatus(change -> { }));
        List<String> sent = IntStream.rangeClosed(1, 20).mapToObj(i -> "e" + i).toList();
        for (int i = 0; i < sent.size(); i++) {
            relay.session(0).event(sent.get(i), 0, i + 1, "lob", "c1");
        }
        // three calls wait (the first one blocked): the client reads no further
        await().atMost(WAIT).until(() -> client.stats().eventsDelivered() == 3);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> client.stats().eventsDelivered() == 3);
        release.countDown();
        await().atMost(WAIT).until(() -> ids.size() == sent.size());
        assertEquals(sent, ids);
    }
}
