package io.notifyrelay.bench;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** The burst: {@code --burst} events as fast as the producer goes; delivered / time to the last delivery. */
final class BurstPhase {

    /** What the burst took; {@code deliveredPerRelayCpuSecond} is the server's CPU per delivered message. */
    record BurstResult(long events, double producerSeconds, double producerPerSecond, long delivered, double seconds,
                       double deliveredPerSecond, double relayCpuSeconds, double relayCores,
                       double deliveredPerRelayCpuSecond, double brokerCpuSeconds, double benchCpuSeconds,
                       double otherProcessesCores, int sessionsClosedBySlowness) {
    }

    private BurstPhase() {
    }

    static BurstResult run(LoadRig rig, long events) {
        BenchContext ctx = rig.ctx;
        WsLoadClient client = rig.client;
        rig.settle();
        rig.waitQuiet("burst");
        long delivered0 = client.events();
        double cpu0 = rig.server.cpuSeconds();
        double broker0 = ctx.broker().cpuSeconds();
        double bench0 = ProcFs.selfCpuSeconds();
        double machine0 = ProcFs.machineBusySeconds();
        long t0 = System.nanoTime();
        LoadProducer.Paced sent = ctx.producer().burst(events, rig.pop.targets, rig.pop.keys, "burst-");
        rig.pop.expected += sent.sent() * rig.pop.fanOut;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        long lastCount = -1;
        long lastProgress = System.nanoTime();
        while (client.events() < rig.pop.expected && System.nanoTime() < deadline) {
            long now = client.events();
            if (now != lastCount) {
                lastCount = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(10)) {
                break;
            }
            WsLoadClient.sleep(5);
        }
        long delivered = client.events() - delivered0;
        double seconds = (client.lastEventNanos() - t0) / 1e9;
        double cpu = rig.server.cpuSeconds() - cpu0;
        double brokerCpu = ctx.broker().cpuSeconds() - broker0;
        double benchCpu = ProcFs.selfCpuSeconds() - bench0;
        double others = Math.max(0, (ProcFs.machineBusySeconds() - machine0 - cpu - benchCpu - brokerCpu)
                / ((System.nanoTime() - t0) / 1e9));
        if (others > 0.25) {
            ctx.note(String.format(Locale.ROOT, "burst: other processes used %.2f cores (noisy)", others));
        }
        ctx.progress("burst %,d events: producer %,.0f/s; delivered %,d in %.2f s = %,.0f/s; server %.2f cores, "
                        + "%,.0f msg/CPU-s", events, sent.achievedRate(), delivered, seconds, delivered / seconds,
                cpu / seconds, delivered / Math.max(cpu, 1e-9));
        if (delivered < sent.sent() * rig.pop.fanOut) {
            ctx.note("burst: " + (sent.sent() * rig.pop.fanOut - delivered) + " messages not delivered");
            rig.pop.expected = client.events();
        }
        return new BurstResult(events, Round.r2(sent.seconds()), Round.r1(sent.achievedRate()), delivered,
                Round.r2(seconds), Round.r1(delivered / seconds), Round.r2(cpu), Round.r2(cpu / seconds),
                Round.r1(delivered / Math.max(cpu, 1e-9)), Round.r2(brokerCpu), Round.r2(benchCpu), Round.r2(others),
                client.closedTooSlow.get());
    }
}
