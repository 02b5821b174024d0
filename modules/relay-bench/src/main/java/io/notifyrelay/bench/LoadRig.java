package io.notifyrelay.bench;

import java.time.Duration;
import java.util.Locale;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One server under load: its process, the load client with its sessions, and the latency recorder. Runs paced
 * steps and lets backlogs drain; every phase that measures a server (relay or floor) measures it through this.
 */
final class LoadRig {

    final BenchContext ctx;
    final RelayProcess server;
    final WsLoadClient client;
    final Recorder latency;
    final SessionPopulation pop;

    LoadRig(BenchContext ctx, RelayProcess server, WsLoadClient client, Recorder latency, SessionPopulation pop) {
        this.ctx = ctx;
        this.server = server;
        this.client = client;
        this.latency = latency;
        this.pop = pop;
    }

    /** Produces at {@code rate} for {@code seconds}, then waits (5 s at most) for the backlog to arrive. */
    StepResult step(double rate, double seconds, String name) {
        waitQuiet(name);
        latency.getIntervalHistogram(); // forget what came before
        TreeMap<Double, Long> relayBefore = server.deliveryLatencyBuckets();
        long delivered0 = client.events();
        double cpu0 = server.cpuSeconds();
        double bench0 = ProcFs.selfCpuSeconds();
        double broker0 = ctx.broker().cpuSeconds();
        double machine0 = ProcFs.machineBusySeconds();
        long t0 = System.nanoTime();
        LoadProducer.Paced paced = ctx.producer().paced(rate, seconds, pop.targets, pop.keys, name + "-");
        pop.expected += paced.sent() * pop.fanOut;
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long delivered = client.events() - delivered0;
        double relayCpu = server.cpuSeconds() - cpu0;
        double benchCpu = ProcFs.selfCpuSeconds() - bench0;
        double brokerCpu = ctx.broker().cpuSeconds() - broker0;
        double others = Math.max(0, (ProcFs.machineBusySeconds() - machine0 - relayCpu - benchCpu - brokerCpu) / elapsed);
        if (others > 0.25) {
            ctx.note(String.format(Locale.ROOT, "%s step at %.0f/s: other processes used %.2f cores (noisy)", name,
                    rate, others));
        }
        boolean drained = awaitDelivered(pop.expected, Duration.ofSeconds(5));
        // what arrived during the drain counts for latency (it is the tail), not for the rate of the window
        Histogram histogram = latency.getIntervalHistogram();
        TreeMap<Double, Long> relayAfter = server.deliveryLatencyBuckets();
        double own50 = PrometheusText.quantileUpperBound(relayBefore, relayAfter, 0.50);
        double own99 = PrometheusText.quantileUpperBound(relayBefore, relayAfter, 0.99);
        StepResult.RecordToWritten own = Double.isNaN(own99) ? null
                : new StepResult.RecordToWritten(Round.r3(own50 * 1000), Round.r3(own99 * 1000));
        double deliveredPerSecond = delivered / elapsed;
        StepResult.LatencyMs ms = StepResult.LatencyMs.of(histogram);
        boolean sustained = drained && paced.achievedRate() >= 0.97 * rate && deliveredPerSecond >= 0.95 * rate
                && ms.p99() <= 250 && client.closedTooSlow.get() == 0;
        if (!drained) {
            pop.expected = client.events(); // resynchronise: whatever never arrives is lost to this population
        }
        return new StepResult(name, Round.r1(rate), Round.r1(paced.achievedRate()), Round.r2(elapsed), paced.sent(),
                delivered, Round.r1(deliveredPerSecond), Round.r2(relayCpu), Round.r2(relayCpu / elapsed),
                Round.r1(delivered / Math.max(relayCpu, 1e-9)), Round.r2(benchCpu), Round.r2(brokerCpu),
                Round.r2(others), drained, sustained, ms, own);
    }

    boolean awaitDelivered(long expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (client.events() < expected && System.nanoTime() < deadline) {
            WsLoadClient.sleep(5);
        }
        return client.events() >= expected;
    }

    /** Lets a backlog drain (and the server's queues empty) between measurements. */
    void settle() {
        awaitDelivered(pop.expected, Duration.ofSeconds(10));
        WsLoadClient.sleep(500);
    }

    /** With --wait-quiet: waits (bounded) until processes other than ours use less than 0.3 cores. */
    void waitQuiet(String name) {
        if (ctx.o.waitQuietSeconds <= 0) {
            return;
        }
        long deadline = System.nanoTime() + (long) (ctx.o.waitQuietSeconds * 1e9);
        double others = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() < deadline) {
            double m0 = ProcFs.machineBusySeconds();
            double own0 = ownCpuSeconds();
            WsLoadClient.sleep(1000);
            others = ProcFs.machineBusySeconds() - m0 - (ownCpuSeconds() - own0);
            if (others < 0.3) {
                break;
            }
        }
        double waited = (System.nanoTime() - t0) / 1e9;
        if (waited > 1.5) {
            ctx.note(String.format(Locale.ROOT, "%s: waited %.0f s for a quiet machine (others at %.2f cores)", name,
                    waited, others));
        }
    }

    private double ownCpuSeconds() {
        return server.cpuSeconds() + ctx.broker().cpuSeconds() + ProcFs.selfCpuSeconds();
    }
}
