package io.notifyrelay.bench;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** The spread of p99 and p99.9 over repeated latency runs at one rate (ms): one run's tail proves little. */
record LatencySpread(int runs, double p99Min, double p99Median, double p99Max, double p999Min, double p999Median,
                     double p999Max) {

    static LatencySpread of(List<StepResult> runs) {
        double[] p99 = runs.stream().mapToDouble(r -> r.latencyMs().p99()).sorted().toArray();
        double[] p999 = runs.stream().mapToDouble(r -> r.latencyMs().p999()).sorted().toArray();
        return new LatencySpread(runs.size(), p99[0], median(p99), p99[p99.length - 1], p999[0], median(p999),
                p999[p999.length - 1]);
    }

    /** The run whose p99 is the median: the one the table and the ratios quote. */
    static StepResult medianRun(List<StepResult> runs) {
        StepResult[] sorted = runs.toArray(new StepResult[0]);
        Arrays.sort(sorted, Comparator.comparingDouble(r -> r.latencyMs().p99()));
        return sorted[(sorted.length - 1) / 2];
    }

    /** How many runs met both bounds. */
    static long runsWithin(List<StepResult> runs, double p99Ms, double p999Ms) {
        return runs.stream().filter(r -> r.latencyMs().p99() <= p99Ms && r.latencyMs().p999() <= p999Ms).count();
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : Round.r3((sorted[n / 2 - 1] + sorted[n / 2]) / 2);
    }
}
