package io.notifyrelay.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * The hot spots of a JFR recording of the relay: where CPU samples land (top frame, and the first frame of the
 * relay's own code or of Undertow/XNIO/Kafka on the stack), where allocation samples land (class and site, weighted
 * by the sampled bytes), CPU by thread, and GC pauses. {@code java -cp ... io.notifyrelay.bench.JfrSummary FILE}.
 */
public final class JfrSummary {

    private JfrSummary() {
    }

    public static void main(String[] args) {
        Map<String, Object> summary = summarize(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 20);
        summary.forEach((section, value) -> {
            System.out.println("== " + section);
            if (value instanceof Map<?, ?> m) {
                m.forEach((k, v) -> System.out.println("  " + v + "  " + k));
            } else {
                System.out.println("  " + value);
            }
        });
    }

    static Map<String, Object> summarize(Path file, int top) {
        Map<String, Long> selfCpu = new HashMap<>();
        Map<String, Long> relayFrameCpu = new HashMap<>();
        Map<String, Long> threadCpu = new HashMap<>();
        Map<String, Long> stageCpu = new HashMap<>();
        Map<String, Long> nativeByFrame = new HashMap<>();
        long nativeSamples = 0;
        Map<String, Long> allocByClass = new HashMap<>();
        Map<String, Long> allocBySite = new HashMap<>();
        Map<String, Long> allocByRelaySite = new HashMap<>();
        long samples = 0;
        long allocTotal = 0;
        long gcPauses = 0;
        long gcPauseNanos = 0;
        long gcPauseMax = 0;
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                String type = e.getEventType().getName();
                switch (type) {
                    case "jdk.ExecutionSample" -> {
                        samples++;
                        RecordedStackTrace st = e.getStackTrace();
                        String thread = threadGroup(e.getThread("sampledThread") == null ? "?"
                                : e.getThread("sampledThread").getJavaName());
                        threadCpu.merge(thread, 1L, Long::sum);
                        if (st != null && !st.getFrames().isEmpty()) {
                            stageCpu.merge(stage(st.getFrames()), 1L, Long::sum);
                            selfCpu.merge(frame(st.getFrames().get(0)), 1L, Long::sum);
                            relayFrameCpu.merge(firstInteresting(st.getFrames()), 1L, Long::sum);
                        }
                    }
                    case "jdk.NativeMethodSample" -> {
                        RecordedStackTrace st = e.getStackTrace();
                        String thread = threadGroup(e.getThread("sampledThread") == null ? "?"
                                : e.getThread("sampledThread").getJavaName());
                        if (st != null && !st.getFrames().isEmpty() && !thread.startsWith("kafka-coordinator")) {
                            nativeSamples++;
                            nativeByFrame.merge(thread + " " + frame(st.getFrames().get(0)) + " <- "
                                    + firstInteresting(st.getFrames()), 1L, Long::sum);
                        }
                    }
                    case "jdk.ObjectAllocationSample" -> {
                        long weight = e.getLong("weight");
                        allocTotal += weight;
                        allocByClass.merge(e.getClass("objectClass").getName(), weight, Long::sum);
                        RecordedStackTrace st = e.getStackTrace();
                        if (st != null && !st.getFrames().isEmpty()) {
                            allocBySite.merge(frame(st.getFrames().get(0)), weight, Long::sum);
                            allocByRelaySite.merge(firstInteresting(st.getFrames()), weight, Long::sum);
                        }
                    }
                    case "jdk.GarbageCollection" -> {
                        gcPauses++;
                        long pause = e.getDuration("sumOfPauses").toNanos();
                        gcPauseNanos += pause;
                        gcPauseMax = Math.max(gcPauseMax, pause);
                    }
                    default -> {
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("executionSamples", samples);
        out.put("cpuSamplesByThread", percent(threadCpu, samples, top));
        out.put("cpuByStage", percent(stageCpu, samples, top));
        out.put("cpuSelfTopFrames", percent(selfCpu, samples, top));
        out.put("cpuByFirstRelayOrLibraryFrame", percent(relayFrameCpu, samples, top));
        out.put("nativeSamples", nativeSamples);
        out.put("nativeByThreadAndFrame", percent(nativeByFrame, nativeSamples, top));
        out.put("allocatedBytesSampled", allocTotal);
        out.put("allocationByClass", percent(allocByClass, allocTotal, top));
        out.put("allocationByTopFrame", percent(allocBySite, allocTotal, top));
        out.put("allocationByFirstRelayOrLibraryFrame", percent(allocByRelaySite, allocTotal, top));
        out.put("gc", Map.of("collections", gcPauses, "totalPauseMs", gcPauseNanos / 1e6, "maxPauseMs",
                gcPauseMax / 1e6));
        return out;
    }

    /**
     * Which step of the hot path a sample belongs to, by the innermost recognisable frame: WebSocket send (Undertow
     * framing, XNIO writes, the I/O thread's flush), decode (envelope rules, record conversion), encode (event
     * frame, cursor), dispatch (registry, session checks), replay window, Kafka consumer internals, or other.
     */
    private static String stage(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String t = f.getMethod().getType().getName();
            String m = f.getMethod().getName();
            if (t.startsWith("io.notifyrelay.websocket.internal.ServerFrames") || t.equals("io.notifyrelay.core.Cursor")
                    || (t.equals("io.notifyrelay.core.RelayEvent") && m.equals("encoded"))) {
                return "encode (ServerFrames, Cursor)";
            }
            if (t.startsWith("io.undertow") || t.startsWith("org.xnio")) {
                return "websocket send/receive (Undertow, XNIO)";
            }
            if (t.startsWith("io.notifyrelay.core.EnvelopeDecoder") || t.startsWith("io.notifyrelay.kafka.KafkaRecords")
                    || t.equals("io.notifyrelay.core.InboundRecord")) {
                return "decode (KafkaRecords.toInbound, EnvelopeDecoder)";
            }
            if (t.startsWith("io.notifyrelay.core.routing") || t.startsWith("io.notifyrelay.websocket.internal.WsSession")) {
                return "dispatch (registry, WsSession)";
            }
            if (t.startsWith("io.notifyrelay.core.replay")) {
                return "replay window (RecentEvents)";
            }
            if (t.startsWith("io.notifyrelay")) {
                return "relay other (" + t.substring(t.lastIndexOf('.') + 1) + ")";
            }
            if (t.startsWith("org.apache.kafka")) {
                return "kafka client (poll, fetch, deserialize)";
            }
        }
        return "other (JVM, JDK)";
    }

    /** Thread names without their numbers, so all XNIO I/O threads add up. */
    private static String threadGroup(String name) {
        return name.replaceAll("[-_ ]?\\d+$", "").replaceAll("\\d+", "N");
    }

    private static String frame(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName() + ":" + f.getLineNumber();
    }

    /**
     * The first frame (from the top) in the relay's own code, else in Undertow/XNIO/Kafka/Jackson: which part of
     * the hot path a JDK-level sample belongs to.
     */
    private static String firstInteresting(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            if (f.getMethod().getType().getName().startsWith("io.notifyrelay")) {
                return frame(f);
            }
        }
        for (RecordedFrame f : frames) {
            String t = f.getMethod().getType().getName();
            if (t.startsWith("io.undertow") || t.startsWith("org.xnio") || t.startsWith("org.apache.kafka")
                    || t.startsWith("com.fasterxml")) {
                return frame(f);
            }
        }
        return frame(frames.get(0));
    }

    private static Map<String, String> percent(Map<String, Long> counts, long total, int top) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .collect(Collectors.toMap(Map.Entry::getKey,
                        e -> String.format(Locale.ROOT, "%5.1f%%", 100.0 * e.getValue() / Math.max(1, total)),
                        (a, b) -> a, LinkedHashMap::new));
    }
}
