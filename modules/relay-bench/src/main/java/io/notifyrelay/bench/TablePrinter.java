package io.notifyrelay.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** Prints a run's results as the table of figures, targets and whether each was met. */
final class TablePrinter {

    private static final String FMT = "%-64s %-26s %-18s %s%n";

    private final PrintStream out;

    TablePrinter(PrintStream out) {
        this.out = out;
    }

    void print(BenchOptions o, BenchResults r) {
        MachineInfo machine = r.machine();
        Summary s = r.summary();
        ThroughputPhase.RelayResult relay = r.relay();
        out.println();
        out.printf(Locale.ROOT, "Notify Relay bench, profile %s: %s cores (%s), %s GiB, %s, relay GC %s, %s group protocol,"
                        + " %s sessions over %d LOBs, %d-byte notifications, %d partitions%n", o.profile,
                machine.cores(), machine.cpuModel(), machine.memoryGiB(), machine.jvm(), o.gc, o.groupProtocol,
                relay != null ? relay.sessions() : o.sessions, o.lobs, o.notificationBytes, o.partitions);
        out.println("CPU layout: " + machine.cpuLayout());
        out.printf(Locale.ROOT, FMT, "figure", "measured", "target", "");
        out.println("-".repeat(122));
        if (s != null) {
            summaryRows(s, relay);
        }
        if (r.readCost() != null) {
            for (Map.Entry<String, ReadCostPhase.ModeCost> e : r.readCost().modes().entrySet()) {
                ReadCostPhase.ModeCost c = e.getValue();
                row("  " + e.getKey() + " mode: cores (topic idle); CPU per event", String.format(Locale.ROOT,
                        "%.3f (%.3f); %.1f µs", c.cores(), c.idleCores(), c.cpuMicrosPerEvent()), "", "");
            }
        }
        if (r.receiptCost() != null) {
            ReceiptCostPhase.ReceiptCostResult c = r.receiptCost();
            row("receipts: relay CPU per delivered event, on / off (µs)", String.format(Locale.ROOT,
                    "%.1f / %.1f (%+.1f)", c.microsPerEventOn(), c.microsPerEventOff(), c.microsPerEventDifference()),
                    "", "");
        }
        if (r.memory() != null) {
            memoryRows(r.memory());
        }
        if (relay != null && relay.resume() != null) {
            ResumePhase.ResumeResult resume = relay.resume();
            row("resume: catch up after " + resume.missedEvents() + " missed events (ms)",
                    resume.catchUpMs() != null ? f0(resume.catchUpMs()) : String.valueOf(resume.status()), "", "");
        }
        if (r.raw() != null) {
            // secondary: the raw consumer writes no socket, so relay/raw compares unlike work
            row("raw KafkaConsumer, no sockets (records/s)", f0(r.raw().plain().recordsPerSecond()), "", "");
            row("raw KafkaConsumer + EnvelopeDecoder (records/s)", f0(r.raw().withDecode().recordsPerSecond()), "", "");
            if (s != null && s.ratioRelayToRaw() != null) {
                row("ratio relay/raw (best relay figure; unlike work)", f2(s.ratioRelayToRaw()), "", "");
            }
        }
        if (r.protocols() != null) {
            for (Map.Entry<String, ProtocolPhase.ProtocolRun> e : r.protocols().entrySet()) {
                StepResult l = e.getValue().latency();
                if (l != null) {
                    row("group protocol " + e.getKey() + ": ready s; p50/p99 ms; msg/CPU-s", e.getValue().readySeconds()
                            + "; " + l.latencyMs().p50() + " / " + l.latencyMs().p99() + "; "
                            + f0(l.deliveredPerRelayCpuSecond()), "", "");
                }
            }
        }
        out.println("-".repeat(122));
        out.println("floor: FloorForwarder, a KafkaConsumer handing each record to an Undertow send for its key's"
                + " sessions (no routing, resume or checks), same sessions and events, right after the relay.");
        if (r.fanout() != null || r.socketIo() != null) {
            out.printf(Locale.ROOT, "fan-out / Socket.IO: %,d LOB-wide sessions over %,d LOBs, bursts of %,d events;"
                    + " a message is %s.%n", o.fanoutSessions, o.fanoutLobs, o.fanoutBurstEvents, SocketIoPhase.MESSAGE);
        }
        out.println("Anchors: Centrifugo ~12,500 msg/s per CPU, p99 200 ms, 11-30 KB/connection; Kafkorama ~31,000 msg/s"
                + " per vCPU, p99 ~44 ms; Undertow ~4 KB per idle connection.");
        for (String note : r.notes()) {
            out.println("note: " + note);
        }
        out.println("JSON: " + o.out);
    }

    private void summaryRows(Summary s, ThroughputPhase.RelayResult relay) {
        if (s.deliveredPerRelayCpuSecondAtMax() != null) {
            row("msg per CPU-s at max (burst): relay / floor", f0(s.deliveredPerRelayCpuSecondAtMax()) + " / "
                    + f0(s.floorDeliveredPerCpuSecondAtMax()), "", "");
            row("  ratio relay/floor, msg per CPU-s at max", f2(s.ratioRelayToFloorMsgPerCpuSecondAtMax()), ">= 0.8",
                    ok(s.floorRatioMet()));
            BurstPhase.BurstResult b = relay.burst();
            row("  relay CPU-s for the burst; cores used", b.relayCpuSeconds() + "; " + b.relayCores(), "", "");
        }
        StepResult.LatencyMs lat = s.latencyMs();
        if (lat != null) {
            row("latency at " + f0(s.latencyRatePerSecond()) + " msg/s, relay: p50 / p99 / p99.9 / max (ms)",
                    String.format(Locale.ROOT, "%.2f / %.2f / %.2f / %.1f", lat.p50(), lat.p99(), lat.p999(), lat.max()),
                    "p99 10, p99.9 30", "");
            LatencySpread spread = s.latencySpread();
            row("  relay p99 over " + spread.runs() + " runs: min / median / max (ms)", String.format(Locale.ROOT,
                    "%.2f / %.2f / %.2f", spread.p99Min(), spread.p99Median(), spread.p99Max()), "", "");
            row("  relay p99.9 over " + spread.runs() + " runs: min / median / max", String.format(Locale.ROOT,
                    "%.2f / %.2f / %.2f", spread.p999Min(), spread.p999Median(), spread.p999Max()), "", "");
            row("  runs within p99 10 ms and p99.9 30 ms", s.latencyRunsWithinTarget() + " of " + spread.runs(),
                    "all", ok(s.latencyMet()));
            StepResult.LatencyMs floor = s.floorLatencyMs();
            if (floor != null) {
                row("  floor at the same rate: p50 / p99 / p99.9 / max", String.format(Locale.ROOT,
                        "%.2f / %.2f / %.2f / %.1f", floor.p50(), floor.p99(), floor.p999(), floor.max()), "", "");
                row("  ratio relay/floor, p99", f2(s.ratioRelayToFloorP99()), "", "");
            }
            row("msg per CPU-s at that rate: relay / floor", f0(s.deliveredPerRelayCpuSecondAtLatencyRate()) + " / "
                    + f0(s.floorDeliveredPerCpuSecondAtLatencyRate()), "", "");
            row("  ratio relay/floor, msg per CPU-s at that rate", f2(s.ratioRelayToFloorMsgPerCpuSecondAtLatencyRate()),
                    "", "");
        }
        if (relay != null) {
            row("relay max sustained, 1 session/event (msg/s)", f0(s.relayMaxSustainedPerSecond()), "", "");
            row("relay burst drain, 1 session/event (msg/s)", f0(s.relayBurstDeliveredPerSecond()), "", "");
        }
        if (s.idleCoresPer10kSessions() != null) {
            row("idle cores per 10,000 sessions, settled: relay / floor", f3(s.idleCoresPer10kSessions()) + " / "
                    + f3(s.floorIdleCoresPer10kSessions()), "<= 0.02", ok(s.idleMet()));
            row("  right after the subscribes (JIT, GC): relay / floor", f3(s.idleEarlyCoresPer10kSessions()) + " / "
                    + f3(s.floorIdleEarlyCoresPer10kSessions()), "", "");
        }
        if (s.fanoutDeliveredPerRelayCpuSecond() != null) {
            row("fan-out " + s.fanOut() + " (LOB-wide /v1/ws), msg per CPU-s: relay / floor",
                    f0(s.fanoutDeliveredPerRelayCpuSecond()) + " / " + f0(s.fanoutFloorDeliveredPerCpuSecond()),
                    ">= 150,000", ok(s.fanoutAbsoluteMet()));
            row("  ratio relay/floor, msg per CPU-s at fan-out " + s.fanOut(), f2(s.ratioRelayToFloorFanout()),
                    ">= 0.8", ok(s.fanoutRatioMet()));
        }
        if (s.socketIoDeliveredPerRelayCpuSecond() != null) {
            row("Socket.IO path, same burst, msg per relay CPU-s: socket.io / ws",
                    f0(s.socketIoDeliveredPerRelayCpuSecond()) + " / " + f0(s.socketIoWsDeliveredPerRelayCpuSecond()),
                    "", "");
            row("  ratio socket.io / ws, msg per relay CPU-s", f2(s.ratioSocketIoToWs()), ">= 0.9", ok(s.socketIoMet()));
        }
        if (s.readCostCores() != null) {
            row("serve-anywhere read cost at " + f0(s.readCostRatePerSecond()) + " events/s, no session (cores)",
                    f3(s.readCostCores()), "<= 0.05", ok(s.readCostMet()));
        }
    }

    private void memoryRows(MemoryPhase.MemoryResult memory) {
        for (MemoryPhase.MemoryPoint p : memory.points()) {
            row(String.format(Locale.ROOT, "idle session @ %,d: heap / RSS growth / resident (B/session)",
                            p.sessions()),
                    f0(p.heapBytesPerSession()) + " / " + f0(p.rssBytesPerSession()) + " / "
                            + f0(p.residentBytesPerSession()), "resident <= 10,240",
                    (p.residentBytesPerSession() <= 10_240 ? "met" : "NOT met")
                            + (p.capped() != null ? " (capped: fd limit)" : ""));
        }
        if (memory.floor() != null && !memory.floor().points().isEmpty()) {
            MemoryPhase.MemoryPoint bare = memory.floor().points().get(memory.floor().points().size() - 1);
            row(String.format(Locale.ROOT, "  Undertow floor @ %,d: heap / RSS growth / resident", bare.sessions()),
                    f0(bare.heapBytesPerSession()) + " / " + f0(bare.rssBytesPerSession()) + " / "
                            + f0(bare.residentBytesPerSession()), "", "");
            Double ratio = memory.heapRatioToFloor();
            row("  heap per idle session, relay / Undertow floor", ratio == null ? "n/a" : f2(ratio), "<= 1.10",
                    ratio == null ? "" : ok(ratio <= 1.10));
        }
        row("concurrent sessions held by one node", f0(memory.maxSessionsHeld()), "", "");
    }

    private void row(String figure, String value, String target, String status) {
        out.printf(Locale.ROOT, FMT, figure, value, target, status);
    }

    static String ok(Boolean met) {
        return Boolean.TRUE.equals(met) ? "met" : Boolean.FALSE.equals(met) ? "NOT met" : "";
    }

    static String f2(Double value) {
        return value != null ? String.format(Locale.ROOT, "%.2f", value) : "n/a";
    }

    static String f3(Double value) {
        return value != null ? String.format(Locale.ROOT, "%.3f", value) : "n/a";
    }

    static String f0(Number value) {
        return value != null ? String.format(Locale.ROOT, "%,.0f", value.doubleValue()) : "n/a";
    }
}
