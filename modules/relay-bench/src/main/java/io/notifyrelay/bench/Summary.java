package io.notifyrelay.bench;

/** The headline figures of a run, each with whether it met its target (null when not measured). */
record Summary(Double rawRecordsPerSecond, Double relayMaxSustainedPerSecond, Double relayBurstDeliveredPerSecond,
               Double ratioRelayToRaw, Boolean ratioMet, Double latencyRatePerSecond, StepResult.LatencyMs latencyMs,
               Boolean latencyMet, Double deliveredPerRelayCpuSecondAtLatencyRate, Double deliveredPerRelayCpuSecondAtMax,
               Boolean cpuMet, Double heapBytesPerIdleSessionWorst, Boolean heapMet, Integer maxSessionsHeld,
               Boolean sessionsMet, Double resumeCatchUpMs) {

    // targets of issue #6
    static final double TARGET_MSGS_PER_CPU_S = 60_000;
    static final double TARGET_P50_MS = 3;
    static final double TARGET_P99_MS = 10;
    static final double TARGET_P999_MS = 30;
    static final double TARGET_HEAP_PER_SESSION = 2048;
    static final int TARGET_SESSIONS = 50_000;
    static final double TARGET_RATIO = 0.5;

    static Summary of(ThroughputPhase.RelayResult relay, RawPhase.RawResult raw, MemoryPhase.MemoryResult memory) {
        StepResult latency = relay == null ? null : relay.latency();
        BurstPhase.BurstResult burst = relay == null ? null : relay.burst();
        Double rawRate = raw == null ? null : raw.plain().recordsPerSecond();
        Double maxSustained = relay == null ? null : relay.maxSustainedPerSecond();
        Double burstRate = burst == null ? null : burst.deliveredPerSecond();
        Double best = maxSustained == null ? burstRate : burstRate == null ? maxSustained
                : Math.max(maxSustained, burstRate);
        Double ratio = rawRate != null && best != null ? Round.r3(best / rawRate) : null;
        StepResult.LatencyMs ms = latency == null ? null : latency.latencyMs();
        Double perCpuAtMax = burst == null ? null : burst.deliveredPerRelayCpuSecond();
        Double worstHeap = memory == null || memory.points().isEmpty() ? null : memory.worstHeapBytesPerSession();
        return new Summary(rawRate, maxSustained, burstRate, ratio, ratio == null ? null : ratio >= TARGET_RATIO,
                latency == null ? null : latency.offeredPerSecond(), ms,
                ms == null ? null : ms.p50() <= TARGET_P50_MS && ms.p99() <= TARGET_P99_MS && ms.p999() <= TARGET_P999_MS,
                latency == null ? null : latency.deliveredPerRelayCpuSecond(), perCpuAtMax,
                perCpuAtMax == null ? null : perCpuAtMax >= TARGET_MSGS_PER_CPU_S, worstHeap,
                worstHeap == null ? null : worstHeap <= TARGET_HEAP_PER_SESSION,
                memory == null ? null : memory.maxSessionsHeld(),
                memory == null ? null : memory.maxSessionsHeld() >= TARGET_SESSIONS,
                relay == null || relay.resume() == null ? null : relay.resume().catchUpMs());
    }
}
