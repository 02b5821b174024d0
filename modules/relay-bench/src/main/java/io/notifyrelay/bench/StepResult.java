package io.notifyrelay.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * One measured interval at a paced rate: what was offered, produced and delivered, the CPU of each process, and
 * the latency the load client saw (intended send time to frame read).
 *
 * @param relayRecordToWrittenMs from the relay's own histogram (record timestamp to frame written), bucket upper
 *                               bounds; null if the server does not publish it
 */
record StepResult(@JsonIgnore String name, double offeredPerSecond, double producedPerSecond, double seconds, long sent,
                  long delivered, double deliveredPerSecond, double relayCpuSeconds, double relayCores,
                  double deliveredPerRelayCpuSecond, double benchCpuSeconds, double brokerCpuSeconds,
                  double otherProcessesCores, boolean drained, boolean sustained, LatencyMs latencyMs,
                  RecordToWritten relayRecordToWrittenMs) {

    /** Percentiles in milliseconds. */
    record LatencyMs(long count, double p50, double p90, double p99, double p999, double max, double mean) {
        static LatencyMs of(Histogram h) {
            return new LatencyMs(h.getTotalCount(), ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9),
                    Round.r3(h.getMaxValue() / 1000.0), Round.r3(h.getMean() / 1000.0));
        }

        private static double ms(Histogram h, double percentile) {
            return Round.r3(h.getValueAtPercentile(percentile) / 1000.0);
        }
    }

    /** The relay's share of the latency: at most these many ms from Kafka record timestamp to frame written. */
    record RecordToWritten(double p50AtMost, double p99AtMost) {
    }

    String line() {
        return String.format(Locale.ROOT, "offered %,.0f/s produced %,.0f/s delivered %,.0f/s; server %.2f cores, "
                        + "%,.0f msg/CPU-s; p50 %.2f p99 %.2f p99.9 %.2f max %.1f ms; broker %.2f, bench %.2f, "
                        + "others %.2f cores%s", offeredPerSecond, producedPerSecond, deliveredPerSecond, relayCores,
                deliveredPerRelayCpuSecond, latencyMs.p50(), latencyMs.p99(), latencyMs.p999(), latencyMs.max(),
                brokerCpuSeconds / seconds, benchCpuSeconds / seconds, otherProcessesCores,
                sustained ? "" : "  (not sustained)")
                + (relayRecordToWrittenMs == null ? "" : String.format(Locale.ROOT,
                        "; relay's own record-to-written p50 <= %.1f p99 <= %.1f ms", relayRecordToWrittenMs.p50AtMost(),
                        relayRecordToWrittenMs.p99AtMost()));
    }
}
