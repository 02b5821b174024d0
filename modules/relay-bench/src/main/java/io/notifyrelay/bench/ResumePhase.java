package io.notifyrelay.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.core.Cursor;
import io.notifyrelay.testkit.TestTokens;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** A client misses {@code --resume-events} while disconnected, then resumes from its last cursors. */
final class ResumePhase {

    /**
     * @param catchUpMs time from reconnecting until every missed event arrived; null (and a {@code status}) if not
     */
    record ResumeResult(Integer missedEvents, List<String> controlFrames, Boolean secondClientSubscribed,
                        Integer cursorsSent, Integer caughtUp, String serverError,
                        @JsonInclude(JsonInclude.Include.ALWAYS) Double catchUpMs, Double eventsPerSecond,
                        String status, Boolean resumeSessionClosedTooSlow) {

        static ResumeResult failed(String why) {
            return new ResumeResult(null, null, null, null, null, null, null, null, why, null);
        }
    }

    private ResumePhase() {
    }

    static ResumeResult run(BenchContext ctx, RelayProcess relay, WsLoadClient client) {
        int slowBefore = client.closedTooSlow.get();
        int events = ctx.o.resumeEvents;
        String lob = "lob-resume";
        List<LoadProducer.Target> targets = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        StringBuilder contacts = new StringBuilder();
        for (int i = 0; i < ctx.o.resumeContacts; i++) {
            String contact = SessionPopulation.contactId(900_000_000 + i);
            targets.add(new LoadProducer.Target(lob, contact));
            keys.add(contact.getBytes(StandardCharsets.US_ASCII));
            contacts.append(i == 0 ? "\"" : ",\"").append(contact).append('"');
        }
        String auth = "{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(BenchContext.SECRET).lob(lob).sign() + "\"}";
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", relay.port);

        // 1: connected, receives a few events, remembers the last cursor of each partition
        Map<Integer, String> lastCursor = new ConcurrentHashMap<>();
        AtomicInteger before = new AtomicInteger();
        Semaphore subscribed = new Semaphore(0);
        WsConnection first = client.open(new WsLoadClient.Spec(address, "/v1/ws", auth,
                "{\"type\":\"subscribe\",\"contacts\":[" + contacts + "]}", frame -> {
                    JsonNode node = parse(frame);
                    if ("event".equals(node.path("type").asText())) {
                        String cursor = node.path("cursor").asText();
                        Cursor.decode(cursor).ifPresent(c -> lastCursor.put(c.partition(), cursor));
                        before.incrementAndGet();
                    }
                }), subscribed);
        acquire(subscribed, 30);
        if (!first.isReady()) {
            return ResumeResult.failed("resume client could not subscribe: " + client.lastFailure);
        }
        int warm = 50;
        ctx.producer().burst(warm, targets, keys, "resume-before-");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (before.get() < warm && System.nanoTime() < deadline) {
            WsLoadClient.sleep(10);
        }
        first.close();
        WsLoadClient.sleep(300);

        // 2: while it is away, the events it will have to catch up on
        ctx.producer().burst(events, targets, keys, "resume-missed-");

        // 3: reconnects with its cursors and waits for all of them
        Set<String> missed = ConcurrentHashMap.newKeySet();
        List<String> controlFrames = new CopyOnWriteArrayList<>();
        AtomicReference<String> error = new AtomicReference<>();
        StringBuilder cursors = new StringBuilder();
        new TreeMap<>(lastCursor).values().forEach(c -> cursors.append(cursors.length() == 0 ? "\"" : ",\"")
                .append(c).append('"'));
        Semaphore resubscribed = new Semaphore(0);
        AtomicLong lastArrival = new AtomicLong();
        long t0 = System.nanoTime();
        WsConnection second = client.open(new WsLoadClient.Spec(address, "/v1/ws", auth,
                "{\"type\":\"subscribe\",\"contacts\":[" + contacts + "],\"cursors\":[" + cursors + "]}", frame -> {
                    JsonNode node = parse(frame);
                    String type = node.path("type").asText();
                    if ("event".equals(type) && node.path("id").asText().startsWith("resume-missed-")) {
                        missed.add(node.path("id").asText());
                        lastArrival.set(System.nanoTime());
                    } else if ("error".equals(type)) {
                        error.compareAndSet(null, node.path("code").asText() + ": " + node.path("message").asText());
                    }
                    if (!"event".equals(type) && controlFrames.size() < 5) {
                        controlFrames.add(frame.length() > 300 ? frame.substring(0, 300) + "..." : frame);
                    }
                }), resubscribed);
        acquire(resubscribed, 30);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (missed.size() < events && System.nanoTime() < deadline) {
            if (error.get() != null && error.get().startsWith("resume_unavailable")) {
                WsLoadClient.sleep(1000); // a server that cannot resume sends nothing more; do not wait a minute
                break;
            }
            WsLoadClient.sleep(5);
        }
        second.close();
        Double catchUpMs = null;
        Double perSecond = null;
        String status = null;
        if (missed.size() >= events) {
            double ms = (lastArrival.get() - t0) / 1e6;
            catchUpMs = Round.r1(ms);
            perSecond = Round.r1(events / (ms / 1000));
            ctx.progress("resume: %,d missed events caught up in %.0f ms", events, ms);
        } else {
            status = error.get() != null && error.get().startsWith("resume_unavailable")
                    ? "n/a (not implemented yet: server answered " + error.get() + ")"
                    : "incomplete: " + missed.size() + " of " + events + " within 60 s";
            ctx.progress("resume: %s", status);
        }
        return new ResumeResult(events, List.copyOf(controlFrames), second.isReady() || !controlFrames.isEmpty(),
                lastCursor.size(), missed.size(), error.get(), catchUpMs, perSecond, status,
                client.closedTooSlow.get() > slowBefore);
    }

    private static JsonNode parse(String frame) {
        try {
            return BenchMain.JSON.readTree(frame);
        } catch (IOException e) {
            return BenchMain.JSON.createObjectNode();
        }
    }

    private static void acquire(Semaphore semaphore, int seconds) {
        try {
            semaphore.tryAcquire(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
