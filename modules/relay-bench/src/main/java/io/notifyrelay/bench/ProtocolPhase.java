package io.notifyrelay.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Recorder;

/** The latency run again with the other group protocol, on a fresh node. */
final class ProtocolPhase {

    record ProtocolRun(double readySeconds, StepResult latency) {
    }

    private ProtocolPhase() {
    }

    /** Both protocols' runs by name: the main node's (from {@code main}) and the other one's, measured here. */
    static Map<String, ProtocolRun> run(BenchContext ctx, ThroughputPhase.RelayResult main) {
        BenchOptions o = ctx.o;
        Map<String, ProtocolRun> m = new LinkedHashMap<>();
        String other = "classic".equals(o.groupProtocol) ? "consumer" : "classic";
        double rate = main != null && main.latency() != null ? main.latency().offeredPerSecond() : 2 * o.warmupRate;
        if (main != null) {
            m.put(o.groupProtocol, new ProtocolRun(main.readySeconds(), main.latency()));
        }
        Recorder recorder = new Recorder(3);
        try (RelayProcess relay = RelayProcess.start(ctx, other, List.of());
             WsLoadClient client = new WsLoadClient(o.clientThreads, recorder)) {
            SessionPopulation pop = new SessionPopulation(ctx, client, relay.port, 2_000_000, o.sessions);
            LoadRig rig = new LoadRig(ctx, relay, client, recorder, pop);
            // warm up at the measured rate, as the ramp did for the first node: the first young collection
            // after 10,000 connections promotes them all (100-200 ms) and must not land in the measured window
            rig.step(rate, Math.max(o.warmupSeconds, 15), "warmup2");
            StepResult s = rig.step(rate, o.protocolSeconds, "protocol");
            ctx.progress("%s protocol: %s", other, s.line());
            m.put(other, new ProtocolRun(Round.r2(relay.readySeconds), s));
            client.closeAll();
        }
        return m;
    }
}
