package io.notifyrelay.bench;

import java.util.Map;
import java.util.TreeMap;

/** The little of the Prometheus text format the bench reads: one histogram's cumulative buckets. */
final class PrometheusText {

    private PrometheusText() {
    }

    /**
     * Cumulative count per upper bound (seconds, +Inf as infinity) of histogram {@code name}, summed over its label
     * sets; empty if the text has none.
     */
    static TreeMap<Double, Long> histogramBuckets(String text, String name) {
        TreeMap<Double, Long> buckets = new TreeMap<>();
        String prefix = name + "_bucket{";
        try {
            for (String line : text.split("\n")) {
                if (line.startsWith(prefix)) {
                    int le = line.indexOf("le=\"") + 4;
                    String bound = line.substring(le, line.indexOf('"', le));
                    double upper = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
                    long count = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    buckets.merge(upper, count, Long::sum);
                }
            }
        } catch (RuntimeException e) { // not a histogram we can read: report none
            buckets.clear();
        }
        return buckets;
    }

    /**
     * The upper bound (same unit as the buckets) of the bucket holding quantile {@code q} of what was observed
     * between two scrapes; NaN if nothing was.
     */
    static double quantileUpperBound(TreeMap<Double, Long> before, TreeMap<Double, Long> after, double q) {
        if (after.isEmpty()) {
            return Double.NaN;
        }
        long total = after.lastEntry().getValue() - before.getOrDefault(after.lastKey(), 0L);
        if (total <= 0) {
            return Double.NaN;
        }
        for (Map.Entry<Double, Long> bucket : after.entrySet()) {
            long below = bucket.getValue() - before.getOrDefault(bucket.getKey(), 0L);
            if (below >= q * total) {
                return bucket.getKey();
            }
        }
        return Double.NaN;
    }
}
