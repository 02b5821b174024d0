package io.notifyrelay.bench;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Recorder;

/**
 * What receipts (issue 14) cost per delivered event: the same burst to the same kind of population on two fresh
 * nodes, one with receipts on (the default: one {@code delivered} receipt per node and event, plus the
 * once-per-cluster ones) and one with {@code RELAY_RECEIPTS_TOPIC=none}. The difference in the server's CPU per
 * delivered event is the cost; on a shared machine it is within the noise of one run, so read it over several.
 */
final class ReceiptCostPhase {

    /** @param microsPerEventDifference CPU µs per delivered event with receipts on, less with them off */
    record ReceiptCostResult(long events, BurstPhase.BurstResult receiptsOn, BurstPhase.BurstResult receiptsOff,
                             double microsPerEventOn, double microsPerEventOff, double microsPerEventDifference) {
    }

    private ReceiptCostPhase() {
    }

    static ReceiptCostResult run(BenchContext ctx) {
        BurstPhase.BurstResult on = burst(ctx, "receipts-on", Map.of(), 4_000_000);
        BurstPhase.BurstResult off = burst(ctx, "receipts-off", Map.of("RELAY_RECEIPTS_TOPIC", "none"), 4_500_000);
        double microsOn = micros(on);
        double microsOff = micros(off);
        ctx.progress("receipts: %.1f µs of relay CPU per delivered event on, %.1f off: %+.1f µs per event",
                microsOn, microsOff, microsOn - microsOff);
        return new ReceiptCostResult(ctx.o.burstEvents, on, off, Round.r1(microsOn), Round.r1(microsOff),
                Round.r1(microsOn - microsOff));
    }

    private static double micros(BurstPhase.BurstResult burst) {
        return burst.relayCpuSeconds() * 1e6 / Math.max(burst.delivered(), 1);
    }

    /** A fresh node, its sessions, a warm-up at the warm-up rate, then the burst. */
    private static BurstPhase.BurstResult burst(BenchContext ctx, String label, Map<String, String> env,
                                                int firstContact) {
        BenchOptions o = ctx.o;
        Recorder recorder = new Recorder(3);
        try (RelayProcess relay = RelayProcess.start(ctx, o.relayMain, label, o.groupProtocol, List.of(), env);
             WsLoadClient client = new WsLoadClient(o.clientThreads, recorder)) {
            SessionPopulation pop = new SessionPopulation(ctx, client, relay.port, firstContact, o.sessions);
            LoadRig rig = new LoadRig(ctx, relay, client, recorder, pop);
            rig.step(o.warmupRate, o.warmupSeconds, label + "-warmup");
            BurstPhase.BurstResult burst = BurstPhase.run(rig, o.burstEvents);
            client.closeAll();
            return burst;
        }
    }
}
