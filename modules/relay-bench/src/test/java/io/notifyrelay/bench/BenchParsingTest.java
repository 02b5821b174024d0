package io.notifyrelay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The bench's readers of /proc and Prometheus text, and the latency spread, on fixed inputs. */
class BenchParsingTest {

    @Test
    void readsOneHistogramsCumulativeBucketsSummedOverLabelSets() {
        String text = """
                # HELP relay_delivery_latency_seconds record timestamp to frame written
                relay_delivery_latency_seconds_bucket{protocol="ws",le="0.001"} 10.0
                relay_delivery_latency_seconds_bucket{protocol="ws",le="0.01"} 90.0
                relay_delivery_latency_seconds_bucket{protocol="ws",le="+Inf"} 100.0
                relay_delivery_latency_seconds_bucket{protocol="sio",le="0.001"} 0.0
                relay_delivery_latency_seconds_bucket{protocol="sio",le="0.01"} 0.0
                relay_delivery_latency_seconds_bucket{protocol="sio",le="+Inf"} 100.0
                relay_delivery_latency_seconds_count{protocol="ws"} 100.0
                other_seconds_bucket{le="0.001"} 5.0
                """;
        TreeMap<Double, Long> buckets = PrometheusText.histogramBuckets(text, "relay_delivery_latency_seconds");
        assertEquals(Map.of(0.001, 10L, 0.01, 90L, Double.POSITIVE_INFINITY, 200L), buckets);
        assertTrue(PrometheusText.histogramBuckets("garbage_bucket{le=\"x\"} 1", "garbage").isEmpty(),
                "an unreadable histogram is reported as none");
    }

    @Test
    void quantilesCountOnlyWhatWasObservedBetweenTwoScrapes() {
        TreeMap<Double, Long> before = new TreeMap<>(Map.of(0.001, 100L, 0.01, 100L, Double.POSITIVE_INFINITY, 100L));
        // since then: 50 within 1 ms, 49 within 10 ms, 1 slower
        TreeMap<Double, Long> after = new TreeMap<>(Map.of(0.001, 150L, 0.01, 199L, Double.POSITIVE_INFINITY, 200L));
        assertEquals(0.001, PrometheusText.quantileUpperBound(before, after, 0.50));
        assertEquals(0.01, PrometheusText.quantileUpperBound(before, after, 0.99));
        assertEquals(Double.POSITIVE_INFINITY, PrometheusText.quantileUpperBound(before, after, 0.999));
        assertTrue(Double.isNaN(PrometheusText.quantileUpperBound(after, after, 0.5)), "nothing observed");
    }

    @Test
    void cpuTimeOfAProcessWhoseNameHoldsSpacesAndParentheses() {
        // fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 30 0";
        assertEquals(300.0 / ProcFs.CLOCK_TICKS, ProcFs.cpuSecondsFromStat(stat), 1e-9);
    }

    @Test
    void machineBusyTimeLeavesOutIdleAndIowait() {
        // user nice system idle iowait irq softirq steal
        String line = "cpu  100 5 50 1000 200 3 2 1 0 0";
        assertEquals((100 + 5 + 50 + 3 + 2 + 1) / (double) ProcFs.CLOCK_TICKS, ProcFs.busySecondsFromCpuLine(line), 1e-9);
    }

    @Test
    void spreadOfRepeatedRunsAndTheMedianRun() {
        List<StepResult> runs = List.of(run(12.0, 40.0), run(8.0, 25.0), run(9.5, 31.0), run(7.0, 20.0), run(30.0, 90.0));
        LatencySpread spread = LatencySpread.of(runs);
        assertEquals(new LatencySpread(5, 7.0, 9.5, 30.0, 20.0, 31.0, 90.0), spread);
        assertEquals(9.5, LatencySpread.medianRun(runs).latencyMs().p99());
        assertEquals(2, LatencySpread.runsWithin(runs, 10, 30), "p99 <= 10 and p99.9 <= 30");
        assertEquals(8.75, LatencySpread.of(runs.subList(0, 4)).p99Median(), "even count: mean of the middle two");
    }

    @Test
    void nativeMemoryCategoriesPerSession() {
        String summary = """
                -                 Java Heap (reserved=1048576KB, committed=1048576KB)
                -                    Thread (reserved=20000KB, committed=2000KB)
                -                     Other (reserved=10KB, committed=10KB)
                """;
        Map<String, Long> before = MemoryPhase.nativeMemory(summary);
        assertEquals(Map.of("Java Heap", 1048576L, "Thread", 2000L, "Other", 10L), before);
        Map<String, Long> after = MemoryPhase.nativeMemory(summary.replace("committed=2000KB", "committed=3000KB"));
        assertEquals(Map.of("Thread", 1024.0), MemoryPhase.nativeMemoryPerSession(before, after, 1000),
                "1,000 KiB more over 1,000 sessions; unchanged categories left out");
    }

    private static StepResult run(double p99, double p999) {
        StepResult.LatencyMs latency = new StepResult.LatencyMs(100, 1, 2, p99, p999, p999, 1.5);
        return new StepResult("latency", 100, 100, 1, 100, 100, 100, 0.1, 0.1, 1000, 0, 0, 0, true, true, latency, null);
    }

    @Test
    void aRunOfSomePhasesOnlyHasASummaryWithTheFiguresItMeasured() {
        // --phases memory: no relay, floor, read cost or raw result; this threw a NullPointerException
        Summary summary = Summary.of(null, null, null, null, null, null, null);
        assertEquals(null, summary.ratioRelayToFloorMsgPerCpuSecondAtMax());
        assertEquals(null, summary.ratioRelayToFloorFanout());
        assertEquals(null, summary.ratioSocketIoToWs());
    }
}
