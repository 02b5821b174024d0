package io.notifyrelay.bench;

import java.util.List;
import java.util.Map;

/**
 * Fan-out 10 (issue 17): the platform's common session receives its whole LOB. LOB-wide {@code /v1/ws} sessions,
 * {@code --fanout-sessions} over {@code --fanout-lobs} LOBs, on the relay, then on the floor ({@link FloorForwarder}
 * keyed by LOB for them), each with the same burst; relay / floor in delivered messages per CPU-s.
 */
final class FanoutPhase {

    record FanoutResult(int sessions, int lobs, int fanOut, long burstEvents, LobWideRun.Result relay,
                        LobWideRun.Result floor, Double ratioRelayToFloor) {
    }

    private FanoutPhase() {
    }

    static FanoutResult run(BenchContext ctx) {
        BenchOptions o = ctx.o;
        LobWideRun.Result relay;
        try (RelayProcess node = RelayProcess.start(ctx, o.groupProtocol, List.of())) {
            relay = LobWideRun.measure(ctx, node, "fanout-relay", SessionPopulation.Kind.LOB_WIDE, 5_000_000);
        }
        LobWideRun.Result floor;
        try (RelayProcess node = RelayProcess.start(ctx, FloorForwarder.class.getName(), "floor", o.groupProtocol,
                List.of(), Map.of())) {
            floor = LobWideRun.measure(ctx, node, "fanout-floor", SessionPopulation.Kind.LOB_WIDE, 5_000_000);
        }
        return new FanoutResult(relay.sessionCount(), relay.lobs(), relay.fanOut(), o.fanoutBurstEvents, relay, floor,
                Summary.ratio(relay.deliveredPerCpuSecond(), floor.deliveredPerCpuSecond()));
    }
}
