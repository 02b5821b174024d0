package io.notifyrelay.bench;

/**
 * The headline figures of a run (null when not measured). The relay is judged against the floor measured in the
 * same run (issue 17): relay / floor in delivered msg per CPU-s and in p99; the raw-consumer ratio is kept as a
 * secondary figure only, since the raw consumer writes no socket. Each {@code ...Met} says whether a figure met
 * its target; on a shared machine that says little (docs/performance.md).
 */
record Summary(Double relayMaxSustainedPerSecond, Double relayBurstDeliveredPerSecond,
               Double deliveredPerRelayCpuSecondAtMax, Double floorDeliveredPerCpuSecondAtMax,
               Double ratioRelayToFloorMsgPerCpuSecondAtMax, Boolean floorRatioMet,
               Double latencyRatePerSecond, StepResult.LatencyMs latencyMs, LatencySpread latencySpread,
               Long latencyRunsWithinTarget, Boolean latencyMet, Double deliveredPerRelayCpuSecondAtLatencyRate,
               Double floorDeliveredPerCpuSecondAtLatencyRate, Double ratioRelayToFloorMsgPerCpuSecondAtLatencyRate,
               StepResult.LatencyMs floorLatencyMs, Double ratioRelayToFloorP99,
               Double idleCoresPer10kSessions, Boolean idleMet, Double floorIdleCoresPer10kSessions,
               Double idleEarlyCoresPer10kSessions, Double floorIdleEarlyCoresPer10kSessions,
               Integer fanOut, Double fanoutDeliveredPerRelayCpuSecond, Double fanoutFloorDeliveredPerCpuSecond,
               Double ratioRelayToFloorFanout, Boolean fanoutRatioMet, Boolean fanoutAbsoluteMet,
               Double socketIoDeliveredPerRelayCpuSecond, Double socketIoWsDeliveredPerRelayCpuSecond,
               Double ratioSocketIoToWs, Boolean socketIoMet,
               Double readCostRatePerSecond, Double readCostCores, Boolean readCostMet,
               Double rawRecordsPerSecond, Double ratioRelayToRaw,
               Double heapBytesPerIdleSessionWorst, Integer maxSessionsHeld, Double resumeCatchUpMs) {

    // targets of issue 17
    static final double TARGET_FLOOR_RATIO = 0.8;
    static final double TARGET_P99_MS = 10;
    static final double TARGET_P999_MS = 30;
    static final double TARGET_IDLE_CORES_PER_10K = 0.02;
    static final double TARGET_READ_COST_CORES = 0.05;
    static final double TARGET_FANOUT_MSG_PER_CPU_SECOND = 150_000;
    static final double TARGET_SOCKET_IO_RATIO = 0.9;

    static Summary of(ThroughputPhase.RelayResult relay, FloorPhase.FloorResult floor,
                      FanoutPhase.FanoutResult fanout, SocketIoPhase.SocketIoResult socketIo,
                      ReadCostPhase.ReadCostResult readCost, RawPhase.RawResult raw, MemoryPhase.MemoryResult memory) {
        StepResult latency = relay == null ? null : relay.latency();
        BurstPhase.BurstResult burst = relay == null ? null : relay.burst();
        BurstPhase.BurstResult floorBurst = floor == null ? null : floor.burst();
        StepResult floorLatency = floor == null ? null : floor.latency();

        Double perCpuAtMax = burst == null ? null : burst.deliveredPerRelayCpuSecond();
        Double floorPerCpuAtMax = floorBurst == null ? null : floorBurst.deliveredPerRelayCpuSecond();
        Double ratioAtMax = ratio(perCpuAtMax, floorPerCpuAtMax);
        Double perCpuAtRate = latency == null ? null : latency.deliveredPerRelayCpuSecond();
        Double floorPerCpuAtRate = floorLatency == null ? null : floorLatency.deliveredPerRelayCpuSecond();
        StepResult.LatencyMs ms = latency == null ? null : latency.latencyMs();
        Long within = relay == null || relay.latencyRuns() == null ? null
                : LatencySpread.runsWithin(relay.latencyRuns(), TARGET_P99_MS, TARGET_P999_MS);

        Double readCostCores = readCost == null || readCost.headline() == null ? null : readCost.headline().cores();
        Double idle = relay == null ? null : Round.r3(relay.relayIdleCores() * 10_000 / relay.sessions());
        Double floorIdle = floor == null ? null : Round.r3(floor.idleCores() * 10_000 / floor.sessions());
        Double idleEarly = relay == null ? null : Round.r3(relay.relayIdle().earlyCores() * 10_000 / relay.sessions());
        Double floorIdleEarly = floor == null ? null : Round.r3(floor.idle().earlyCores() * 10_000 / floor.sessions());

        Double maxSustained = relay == null ? null : relay.maxSustainedPerSecond();
        Double burstRate = burst == null ? null : burst.deliveredPerSecond();
        // boxed on every branch: a mixed Double/double conditional unboxes, and either may be missing (--phases)
        Double best = maxSustained == null ? burstRate : burstRate == null ? maxSustained
                : Double.valueOf(Math.max(maxSustained, burstRate));
        Double rawRate = raw == null ? null : raw.plain().recordsPerSecond();
        Double fanoutRelay = fanout == null ? null : fanout.relay().deliveredPerCpuSecond();
        Double fanoutRatio = fanout == null ? null : fanout.ratioRelayToFloor();
        Double sioRatio = socketIo == null ? null : socketIo.ratioSocketIoToWs();

        return new Summary(maxSustained, burstRate, perCpuAtMax, floorPerCpuAtMax, ratioAtMax,
                ratioAtMax == null ? null : ratioAtMax >= TARGET_FLOOR_RATIO,
                latency == null ? null : latency.offeredPerSecond(), ms, relay == null ? null : relay.latencySpread(),
                within, within == null ? null : within == relay.latencyRuns().size(), perCpuAtRate, floorPerCpuAtRate,
                ratio(perCpuAtRate, floorPerCpuAtRate), floorLatency == null ? null : floorLatency.latencyMs(),
                ms == null || floorLatency == null ? null : ratio(ms.p99(), floorLatency.latencyMs().p99()),
                idle, idle == null ? null : idle <= TARGET_IDLE_CORES_PER_10K, floorIdle, idleEarly, floorIdleEarly,
                fanout == null ? null : fanout.fanOut(), fanoutRelay,
                fanout == null ? null : fanout.floor().deliveredPerCpuSecond(), fanoutRatio,
                fanoutRatio == null ? null : fanoutRatio >= TARGET_FLOOR_RATIO,
                fanoutRelay == null ? null : fanoutRelay >= TARGET_FANOUT_MSG_PER_CPU_SECOND,
                socketIo == null ? null : socketIo.socketIo().deliveredPerCpuSecond(),
                socketIo == null ? null : socketIo.ws().deliveredPerCpuSecond(), sioRatio,
                sioRatio == null ? null : sioRatio >= TARGET_SOCKET_IO_RATIO,
                readCost == null ? null : readCost.eventsPerSecond(), readCostCores,
                readCostCores == null ? null : readCostCores <= TARGET_READ_COST_CORES,
                rawRate, ratio(best, rawRate),
                memory == null || memory.points().isEmpty() ? null : memory.worstHeapBytesPerSession(),
                memory == null ? null : memory.maxSessionsHeld(),
                relay == null || relay.resume() == null ? null : relay.resume().catchUpMs());
    }

    static Double ratio(Double a, Double b) {
        return a == null || b == null || b == 0 ? null : Round.r3(a / b);
    }
}
