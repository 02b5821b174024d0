package io.notifyrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory per idle session, for the relay and then for bare Undertow ({@link UndertowFloor}, the floor under it): a
 * fresh server (with native memory tracking), heap after GC and RSS with no session and at each of
 * {@code --memory-sessions}; then, for the relay, one event to each of the newest sessions to show they still work.
 *
 * <p>Both run with a heap sized for the sessions and touched up front ({@link #heapFor}, {@code -XX:+AlwaysPreTouch}),
 * as a node sized for its load would be: RSS then grows only by what a session costs outside the heap, and what it
 * costs in the heap is the heap-after-GC growth. Their sum is the resident memory a session needs
 * ({@link MemoryPoint#residentBytesPerSession}). Without pre-touching, RSS grew with every young-generation page
 * the set-up touched for the first time (23-46 KB "per session", an artefact of the heap, not of the sessions).
 */
final class MemoryPhase {

    private static final Pattern NMT = Pattern.compile("-\\s+([A-Za-z ]+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)");
    /** Room per session in the sized heap: ~6 KB live plus as much again for G1 to work in. */
    private static final long HEAP_BYTES_PER_SESSION = 12 * 1024;
    private static final long HEAP_BASE_BYTES = 64L << 20;

    /**
     * @param floor the same measurement of bare Undertow, null when the relay is not the server under test (a
     *              {@code --relay-main} of its own)
     */
    record MemoryResult(long openFileLimit, String server, long baselineHeapKb, long baselineRssKb,
                        List<String> jvmOptions, List<MemoryPoint> points, int maxSessionsHeld,
                        Map<String, Double> nativeMemoryCommittedBytesPerSession, List<String> classHistogramTop,
                        DeliveryCheck deliveryCheck, MemoryResult floor) {

        double worstHeapBytesPerSession() {
            return points.stream().mapToDouble(MemoryPoint::heapBytesPerSession).max().orElse(0);
        }

        /** Heap per idle session at the most sessions, relay / Undertow floor; null without a floor. */
        Double heapRatioToFloor() {
            if (floor == null || points.isEmpty() || floor.points.isEmpty()) {
                return null;
            }
            double relay = points.get(points.size() - 1).heapBytesPerSession();
            double bare = floor.points.get(floor.points.size() - 1).heapBytesPerSession();
            return bare <= 0 ? null : Round.r2(relay / bare);
        }
    }

    /**
     * @param capped why fewer sessions than requested were opened; null if none were missing
     * @param residentBytesPerSession heap after GC plus RSS growth per session: what a session keeps resident
     */
    record MemoryPoint(int requestedSessions, String capped, int sessions, long heapAfterGcKb, long rssKb,
                       double heapBytesPerSession, double rssBytesPerSession, double residentBytesPerSession,
                       int relayThreads) {
    }

    record DeliveryCheck(long sent, long delivered) {
    }

    private MemoryPhase() {
    }

    static MemoryResult run(BenchContext ctx) {
        BenchOptions o = ctx.o;
        MemoryResult relay = measure(ctx, o.relayMain, "memory", true);
        if (UndertowFloor.class.getName().equals(o.relayMain)) {
            return relay; // the floor itself under test
        }
        MemoryResult floor = measure(ctx, UndertowFloor.class.getName(), "memory-floor", false);
        MemoryResult withFloor = new MemoryResult(relay.openFileLimit(), relay.server(), relay.baselineHeapKb(),
                relay.baselineRssKb(), relay.jvmOptions(), relay.points(), relay.maxSessionsHeld(),
                relay.nativeMemoryCommittedBytesPerSession(), relay.classHistogramTop(), relay.deliveryCheck(), floor);
        Double ratio = withFloor.heapRatioToFloor();
        if (ratio != null) {
            ctx.progress("memory: heap per idle session, relay / Undertow floor = %.2f", ratio);
        }
        return withFloor;
    }

    /** The sized heap: {@code -Xmx} as well as {@code -Xms}, so a later option wins over {@code --relay-heap}. */
    static String heapFor(int sessions) {
        long bytes = HEAP_BASE_BYTES + sessions * HEAP_BYTES_PER_SESSION;
        return ((bytes + (1 << 20) - 1) >> 20) + "m";
    }

    private static MemoryResult measure(BenchContext ctx, String mainClass, String label, boolean checkDelivery) {
        BenchOptions o = ctx.o;
        long fdLimit = ProcFs.openFileLimit();
        // the relay's own connection bound (RELAY_MAX_CONNECTIONS=auto: the descriptor limit less a tenth, at least 512)
        // refuses past it with 503, and the client needs a descriptor per session too
        long relayAuto = fdLimit - Math.max(fdLimit / 10, 512);
        int cap = (int) Math.max(100, Math.min(fdLimit - 700, relayAuto - 100));
        int most = o.memorySessions.stream().mapToInt(n -> Math.min(n, cap)).max().orElse(0);
        String heap = heapFor(most);
        List<MemoryPoint> points = new ArrayList<>();
        // native memory tracking (summary: a few % overhead, this node only) splits RSS into heap, NIO buffers, threads
        List<String> jvmOptions = List.of("-XX:NativeMemoryTracking=summary", "-Xms" + heap, "-Xmx" + heap,
                "-XX:+AlwaysPreTouch");
        try (RelayProcess relay = RelayProcess.start(ctx, mainClass, label, o.groupProtocol, jvmOptions, Map.of());
             WsLoadClient client = new WsLoadClient(o.clientThreads, null)) {
            WsLoadClient.sleep(1000);
            long heap0 = relay.jvm.heapUsedAfterGcKb();
            long rss0 = relay.jvm.rssKb();
            Map<String, Long> nmt0 = nativeMemory(relay.jvm.jcmd("VM.native_memory", "summary"));
            ctx.progress("%s baseline (%s, heap %s pre-touched): heap after GC %,d KiB, RSS %,d KiB", label,
                    mainClass.substring(mainClass.lastIndexOf('.') + 1), heap, heap0, rss0);
            int open = 0;
            SessionPopulation last = null;
            for (int wanted : o.memorySessions) {
                int target = Math.min(wanted, cap);
                String capped = null;
                if (target < wanted) {
                    capped = "capped at " + target + " sessions: RLIMIT_NOFILE is " + fdLimit
                            + " for the relay and the client (raise it with ulimit -n; needs CAP_SYS_RESOURCE)";
                    ctx.note("memory: " + capped);
                }
                if (target > open) {
                    last = new SessionPopulation(ctx, client, relay.port, 1_000_000 + open * o.contactsPerSession,
                            target - open);
                    open = target;
                }
                WsLoadClient.sleep(1500);
                long heapKb = relay.jvm.heapUsedAfterGcKb();
                long rss = relay.jvm.rssKb();
                double heapPer = (heapKb - heap0) * 1024.0 / open;
                double rssPer = (rss - rss0) * 1024.0 / open;
                points.add(new MemoryPoint(wanted, capped, open, heapKb, rss, Round.r1(heapPer), Round.r1(rssPer),
                        Round.r1(heapPer + Math.max(0, rssPer)), relay.jvm.threads()));
                ctx.progress("%s @ %,d idle sessions: heap after GC %,d KiB (%,.0f B/session), RSS %,d KiB "
                        + "(%,.0f B/session), resident %,.0f B/session", label, open, heapKb, heapPer, rss, rssPer,
                        heapPer + Math.max(0, rssPer));
            }
            int held = client.ready.get();
            Map<String, Double> perSession = null;
            List<String> histogramTop = null;
            if (open > 0) {
                perSession = nativeMemoryPerSession(nmt0,
                        nativeMemory(relay.jvm.jcmd("VM.native_memory", "summary")), open);
                String histogram = relay.jvm.jcmd("GC.class_histogram");
                try {
                    Files.writeString(o.workDir.resolve(label + "-class-histogram.txt"), histogram);
                } catch (IOException e) {
                    // the summary below is enough
                }
                histogramTop = classHistogram(histogram, open, 25);
            }
            DeliveryCheck check = last == null || !checkDelivery ? null : deliveryCheck(ctx, client, last);
            client.closeAll();
            return new MemoryResult(fdLimit, mainClass, heap0, rss0, relay.jvmOptions, points, held, perSession,
                    histogramTop, check, null);
        }
    }

    /** Every session still works: one event each to the newest batch. */
    private static DeliveryCheck deliveryCheck(BenchContext ctx, WsLoadClient client, SessionPopulation last) {
        long before = client.events();
        int n = Math.min(last.targets.size(), 20_000);
        ctx.producer().burst(n, last.targets.subList(0, n), last.keys.subList(0, n), "memcheck-");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (client.events() - before < n && System.nanoTime() < deadline) {
            WsLoadClient.sleep(10);
        }
        return new DeliveryCheck(n, client.events() - before);
    }

    /** Committed KiB per NMT category, from {@code jcmd VM.native_memory summary}. */
    static Map<String, Long> nativeMemory(String summary) {
        Map<String, Long> m = new LinkedHashMap<>();
        Matcher matcher = NMT.matcher(summary);
        while (matcher.find()) {
            m.put(matcher.group(1).trim(), Long.parseLong(matcher.group(2)));
        }
        return m;
    }

    /** Bytes per session of each category that grew (or shrank) by at least 16 bytes per session. */
    static Map<String, Double> nativeMemoryPerSession(Map<String, Long> before, Map<String, Long> after, int sessions) {
        Map<String, Double> perSession = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : after.entrySet()) {
            long delta = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (Math.abs(delta) * 1024 / sessions >= 16) {
                perSession.put(e.getKey(), Round.r1(delta * 1024.0 / sessions));
            }
        }
        return perSession;
    }

    /** The biggest classes of a {@code GC.class_histogram}, with bytes per session. */
    static List<String> classHistogram(String histogram, int sessions, int top) {
        List<String> rows = new ArrayList<>();
        for (String line : histogram.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                long instances = Long.parseLong(f[1]);
                long bytes = Long.parseLong(f[2]);
                rows.add(String.format(Locale.ROOT, "%8.1f B/session %7.2f inst/session %s", bytes / (double) sessions,
                        instances / (double) sessions, f[3]));
                if (rows.size() == top) {
                    break;
                }
            }
        }
        return rows;
    }
}
