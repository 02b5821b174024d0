package io.notifyrelay.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** Prints a run's results as the table of figures, targets and whether each was met. */
final class TablePrinter {

    private static final String FMT = "%-52s %-26s %-18s %s%n";

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
        out.println("-".repeat(110));
        if (s != null) {
            summaryRows(s, relay);
        }
        if (r.memory() != null) {
            memoryRows(r.memory(), s);
        }
        if (relay != null && relay.resume() != null) {
            ResumePhase.ResumeResult resume = relay.resume();
            row("resume: catch up after " + resume.missedEvents() + " missed events (ms)",
                    resume.catchUpMs() != null ? f0(resume.catchUpMs()) : String.valueOf(resume.status()), "", "");
        }
        if (r.raw() != null) {
            row("raw KafkaConsumer, no sockets (records/s)", f0(r.raw().plain().recordsPerSecond()), "", "");
            row("raw KafkaConsumer + EnvelopeDecoder (records/s)", f0(r.raw().withDecode().recordsPerSecond()), "", "");
            if (s != null && s.ratioRelayToRaw() != null) {
                row("ratio relay/raw (best relay figure)", String.format(Locale.ROOT, "%.2f", s.ratioRelayToRaw()),
                        ">= 0.5", ok(s.ratioMet()));
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
        out.println("-".repeat(110));
        out.println("Anchors: Centrifugo ~12,500 msg/s per CPU, p99 200 ms, 11-30 KB/connection; Kafkorama ~31,000 msg/s"
                + " per vCPU, p99 ~44 ms; Undertow ~4 KB per idle connection.");
        for (String note : r.notes()) {
            out.println("note: " + note);
        }
        out.println("JSON: " + o.out);
    }

    private void summaryRows(Summary s, ThroughputPhase.RelayResult relay) {
        row("relay max sustained, 1 session/event (msg/s)", f0(s.relayMaxSustainedPerSecond()), "", "");
        row("relay burst drain, 1 session/event (msg/s)", f0(s.relayBurstDeliveredPerSecond()), "", "");
        StepResult.LatencyMs lat = s.latencyMs();
        if (lat != null) {
            row("latency at " + f0(s.latencyRatePerSecond()) + " msg/s: p50 / p99 / p99.9 / max (ms)",
                    String.format(Locale.ROOT, "%.2f / %.2f / %.2f / %.1f", lat.p50(), lat.p99(), lat.p999(), lat.max()),
                    "3 / 10 / 30", ok(s.latencyMet()));
            StepResult l = relay.latency();
            row("  delivered msg/s; relay CPU (cores)", f0(l.deliveredPerSecond()) + "; " + l.relayCores(), "", "");
            row("delivered msg per relay CPU-s at that rate", f0(l.deliveredPerRelayCpuSecond()), "", "");
        }
        if (s.deliveredPerRelayCpuSecondAtMax() != null) {
            BurstPhase.BurstResult b = relay.burst();
            row("delivered msg per relay CPU-s at max (burst)", f0(s.deliveredPerRelayCpuSecondAtMax()), ">= 60,000",
                    ok(s.cpuMet()));
            row("  relay CPU-s for the burst; cores used", b.relayCpuSeconds() + "; " + b.relayCores(), "", "");
        }
        if (relay != null) {
            row("relay idle with " + f0(relay.sessions()) + " sessions (cores)", String.format(Locale.ROOT, "%.3f",
                    relay.relayIdleCores()), "", "");
        }
    }

    private void memoryRows(MemoryPhase.MemoryResult memory, Summary s) {
        for (MemoryPhase.MemoryPoint p : memory.points()) {
            row(String.format(Locale.ROOT, "idle session @ %,d: heap / RSS (bytes/session)", p.sessions()),
                    f0(p.heapBytesPerSession()) + " / " + f0(p.rssBytesPerSession()), "heap <= 2,048",
                    ok(p.heapBytesPerSession() <= Summary.TARGET_HEAP_PER_SESSION)
                            + (p.capped() != null ? " (capped: fd limit)" : ""));
        }
        row("concurrent sessions held by one node", f0(memory.maxSessionsHeld()), ">= 50,000",
                ok(s == null ? null : s.sessionsMet()));
    }

    private void row(String figure, String value, String target, String status) {
        out.printf(Locale.ROOT, FMT, figure, value, target, status);
    }

    static String ok(Boolean met) {
        return Boolean.TRUE.equals(met) ? "met" : Boolean.FALSE.equals(met) ? "NOT met" : "";
    }

    static String f0(Number value) {
        return value != null ? String.format(Locale.ROOT, "%,.0f", value.doubleValue()) : "n/a";
    }
}
