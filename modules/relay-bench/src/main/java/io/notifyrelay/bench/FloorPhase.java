package io.notifyrelay.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Recorder;

/**
 * The floor ({@link FloorForwarder}) measured like the relay, right after it: as many sessions, the same events,
 * the latency runs at the relay's latency rate (as often), the same burst, and its idle cost.
 */
final class FloorPhase {

    /** @param latency the run with the median p99 of {@code latencyRuns} */
    record FloorResult(String server, double readySeconds, int sessions, double idleCores, IdleProbe.IdleCost idle,
                       StepResult latency,
                       List<StepResult> latencyRuns, LatencySpread latencySpread, BurstPhase.BurstResult burst) {
    }

    private FloorPhase() {
    }

    static FloorResult run(BenchContext ctx, double rate) {
        BenchOptions o = ctx.o;
        Recorder recorder = new Recorder(3);
        try (RelayProcess floor = RelayProcess.start(ctx, FloorForwarder.class.getName(), "floor", o.groupProtocol,
                List.of(), Map.of());
             WsLoadClient client = new WsLoadClient(o.clientThreads, recorder)) {
            SessionPopulation pop = new SessionPopulation(ctx, client, floor.port, 3_000_000, o.sessions);
            LoadRig rig = new LoadRig(ctx, floor, client, recorder, pop);
            IdleProbe.IdleCost idle = IdleProbe.measure(floor, o); // as for the relay
            ctx.progress("floor idle with %,d sessions: %.3f cores settled (windows %s), %.3f right after",
                    pop.sessions, idle.cores(), idle.windows(), idle.earlyCores());
            StepResult warm = rig.step(o.warmupRate, o.warmupSeconds, "floor-warmup");
            ctx.progress("floor warm-up %s", warm.line());
            List<StepResult> runs = new ArrayList<>();
            if (o.phases.contains("latency")) {
                for (int i = 0; i < o.repeats; i++) {
                    rig.settle();
                    StepResult run = rig.step(rate, o.latencySeconds, "floor-latency");
                    ctx.progress("floor latency run %d/%d %s", i + 1, o.repeats, run.line());
                    runs.add(run);
                }
            }
            BurstPhase.BurstResult burst = o.phases.contains("burst") ? BurstPhase.run(rig, o.burstEvents) : null;
            client.closeAll();
            return new FloorResult(FloorForwarder.class.getSimpleName(), Round.r2(floor.readySeconds), pop.sessions,
                    idle.cores(), idle, runs.isEmpty() ? null : LatencySpread.medianRun(runs), runs.isEmpty() ? null : runs,
                    runs.isEmpty() ? null : LatencySpread.of(runs), burst);
        }
    }
}
