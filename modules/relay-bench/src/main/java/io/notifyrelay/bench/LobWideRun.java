package io.notifyrelay.bench;

import org.HdrHistogram.Recorder;

/**
 * LOB-wide sessions of one kind on one server, as the fan-out and Socket.IO phases measure them: connect
 * {@code --fanout-sessions} sessions over {@code --fanout-lobs} LOBs (each event reaches every session of its LOB),
 * an unmeasured warm-up (a paced step, then one burst: a 6 s paced step left the JIT cold enough to halve the first
 * burst's figure), then the measured burst of {@code --fanout-burst} events. A message is an event delivered to a
 * session.
 */
final class LobWideRun {

    /**
     * @param burst the burst; its {@code delivered} and {@code deliveredPerRelayCpuSecond} count messages (events
     *              times the sessions each reached)
     */
    record Result(String server, String sessions, int sessionCount, int lobs, int fanOut, double connectSeconds,
                  StepResult warmup, BurstPhase.BurstResult warmupBurst, BurstPhase.BurstResult burst,
                  long errorFrames, int closedByServer) {

        double deliveredPerCpuSecond() {
            return burst.deliveredPerRelayCpuSecond();
        }
    }

    private LobWideRun() {
    }

    static Result measure(BenchContext ctx, RelayProcess server, String label, SessionPopulation.Kind kind,
                          int firstContact) {
        BenchOptions o = ctx.o;
        Recorder recorder = new Recorder(3);
        try (WsLoadClient client = new WsLoadClient(o.clientThreads, recorder)) {
            SessionPopulation pop = new SessionPopulation(ctx, client, server.port, firstContact, o.fanoutSessions,
                    o.fanoutLobs, kind);
            LoadRig rig = new LoadRig(ctx, server, client, recorder, pop);
            // the same messages per second as the other phases' warm-up: events / fan-out
            StepResult warm = rig.step(Math.max(100, o.warmupRate / pop.fanOut), o.warmupSeconds, label + "-warmup");
            ctx.progress("%s warm-up %s", label, warm.line());
            BurstPhase.BurstResult warmBurst = BurstPhase.run(rig, o.fanoutBurstEvents);
            BurstPhase.BurstResult burst = BurstPhase.run(rig, o.fanoutBurstEvents);
            ctx.progress("%s: %,.0f msg per server CPU-s (warm-up burst: %,.0f), fan-out %d", label,
                    burst.deliveredPerRelayCpuSecond(), warmBurst.deliveredPerRelayCpuSecond(), pop.fanOut);
            Result result = new Result(label, kind.name().toLowerCase(java.util.Locale.ROOT), pop.sessions,
                    o.fanoutLobs, pop.fanOut, Round.r2(pop.connectSeconds), warm, warmBurst, burst, client.errorFrames.get(),
                    client.closedByServer.get());
            client.closeAll();
            return result;
        }
    }
}
