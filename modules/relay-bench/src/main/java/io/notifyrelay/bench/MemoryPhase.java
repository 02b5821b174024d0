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
 * Memory per idle session: a fresh node (with native memory tracking), heap after GC and RSS with no session and
 * at each of {@code --memory-sessions}; then one event to each of the newest sessions to show they still work.
 */
final class MemoryPhase {

    private static final Pattern NMT = Pattern.compile("-\\s+([A-Za-z ]+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

    record MemoryResult(long openFileLimit, String server, long baselineHeapKb, long baselineRssKb,
                        List<String> jvmOptions, List<MemoryPoint> points, int maxSessionsHeld,
                        Map<String, Double> nativeMemoryCommittedBytesPerSession, List<String> classHistogramTop,
                        DeliveryCheck deliveryCheck) {

        double worstHeapBytesPerSession() {
            return points.stream().mapToDouble(MemoryPoint::heapBytesPerSession).max().orElse(0);
        }
    }

    /** @param capped why fewer sessions than requested were opened; null if none were missing */
    record MemoryPoint(int requestedSessions, String capped, int sessions, long heapAfterGcKb, long rssKb,
                       double heapBytesPerSession, double rssBytesPerSession, int relayThreads) {
    }

    record DeliveryCheck(long sent, long delivered) {
    }

    private MemoryPhase() {
    }

    static MemoryResult run(BenchContext ctx) {
        BenchOptions o = ctx.o;
        long fdLimit = ProcFs.openFileLimit();
        // the relay's own connection bound (RELAY_MAX_CONNECTIONS=auto: the descriptor limit less a tenth, at least 512)
        // refuses past it with 503, and the client needs a descriptor per session too
        long relayAuto = fdLimit - Math.max(fdLimit / 10, 512);
        int cap = (int) Math.max(100, Math.min(fdLimit - 700, relayAuto - 100));
        List<MemoryPoint> points = new ArrayList<>();
        // native memory tracking (summary: a few % overhead, this node only) splits RSS into heap, NIO buffers, threads
        try (RelayProcess relay = RelayProcess.start(ctx, o.groupProtocol, List.of("-XX:NativeMemoryTracking=summary"));
             WsLoadClient client = new WsLoadClient(o.clientThreads, null)) {
            WsLoadClient.sleep(1000);
            long heap0 = relay.jvm.heapUsedAfterGcKb();
            long rss0 = relay.jvm.rssKb();
            Map<String, Long> nmt0 = nativeMemory(relay.jvm.jcmd("VM.native_memory", "summary"));
            ctx.progress("memory baseline: heap after GC %,d KiB, RSS %,d KiB", heap0, rss0);
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
                long heap = relay.jvm.heapUsedAfterGcKb();
                long rss = relay.jvm.rssKb();
                double heapPer = (heap - heap0) * 1024.0 / open;
                double rssPer = (rss - rss0) * 1024.0 / open;
                points.add(new MemoryPoint(wanted, capped, open, heap, rss, Round.r1(heapPer), Round.r1(rssPer),
                        relay.jvm.threads()));
                ctx.progress("memory @ %,d idle sessions: heap after GC %,d KiB (%,.0f B/session), RSS %,d KiB "
                        + "(%,.0f B/session)", open, heap, heapPer, rss, rssPer);
            }
            int held = client.ready.get();
            Map<String, Double> perSession = null;
            List<String> histogramTop = null;
            if (open > 0) {
                perSession = nativeMemoryPerSession(nmt0,
                        nativeMemory(relay.jvm.jcmd("VM.native_memory", "summary")), open);
                String histogram = relay.jvm.jcmd("GC.class_histogram");
                try {
                    Files.writeString(o.workDir.resolve("memory-class-histogram.txt"), histogram);
                } catch (IOException e) {
                    // the summary below is enough
                }
                histogramTop = classHistogram(histogram, open, 25);
            }
            DeliveryCheck check = last == null ? null : deliveryCheck(ctx, client, last);
            client.closeAll();
            return new MemoryResult(fdLimit, o.relayMain, heap0, rss0, relay.jvmOptions, points, held, perSession,
                    histogramTop, check);
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
