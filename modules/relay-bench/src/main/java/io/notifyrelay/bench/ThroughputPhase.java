package io.notifyrelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Recorder;

/**
 * The main relay node under load: connect the sessions, idle cost, warm-up, the ramp to the highest sustained
 * rate, the latency run at half of it, the burst and resume (each as its phase is selected).
 */
final class ThroughputPhase {

    /**
     * Everything measured on the main node; fields of phases that did not run are null. {@code latency} is the run
     * with the median p99 of the {@code --repeats} {@code latencyRuns}.
     */
    record RelayResult(String groupProtocol, double readySeconds, List<String> jvmOptions, int sessions,
                       double connectSeconds, double sessionsPerSecondConnect, double relayCpuSecondsConnect,
                       long rssKbWithSessions, double relayIdleCores, IdleProbe.IdleCost relayIdle,
                       List<StepResult> ramp,
                       Double maxSustainedPerSecond, Double firstUnsustainedPerSecond, StepResult latency,
                       List<StepResult> latencyRuns, LatencySpread latencySpread, BurstPhase.BurstResult burst, Map<String, Object> jfr, String jfrFile,
                       int sessionsClosedBySlowness, ResumePhase.ResumeResult resume, int sessionsClosedByServer,
                       long errorFrames, double relayCpuSecondsTotal, int relayThreads, JsonNode relayReadiness,
                       long producerErrors) {
    }

    private ThroughputPhase() {
    }

    static RelayResult run(BenchContext ctx) {
        BenchOptions o = ctx.o;
        Recorder latency = new Recorder(3);
        try (RelayProcess relay = RelayProcess.start(ctx, o.groupProtocol, List.of());
             WsLoadClient client = new WsLoadClient(o.clientThreads, latency)) {
            if (o.timeline) {
                ctx.producer().trackAcks(client.startNanos);
            }
            double cpuStart = relay.cpuSeconds();
            SessionPopulation pop = new SessionPopulation(ctx, client, relay.port, 0, o.sessions);
            double connectCpu = relay.cpuSeconds() - cpuStart;
            long rss = relay.jvm.rssKb();
            LoadRig rig = new LoadRig(ctx, relay, client, latency, pop);

            IdleProbe.IdleCost idle = IdleProbe.measure(relay, o);
            ctx.progress("relay idle with %,d sessions: %.3f cores settled (after %.0f s; windows %s), %.3f right after"
                    + " the subscribes", pop.sessions, idle.cores(), idle.settleSeconds(), idle.windows(),
                    idle.earlyCores());

            StepResult warm = rig.step(o.warmupRate, o.warmupSeconds, "warmup"); // JIT and pools, not measured
            ctx.progress("warm-up %s", warm.line());

            List<StepResult> ramp = null;
            Double best = null;
            Double failedAt = null;
            double max = o.fixedRate;
            if (o.fixedRate <= 0 && o.phases.contains("ramp")) {
                ramp = new ArrayList<>();
                double[] found = ramp(rig, ramp);
                best = found[0];
                failedAt = found[1];
                max = best;
            } else if (max <= 0) {
                max = 2 * o.warmupRate;
            }
            StepResult run = null;
            List<StepResult> runs = null;
            if (o.phases.contains("latency")) {
                double rate = o.fixedRate > 0 ? o.fixedRate : Math.max(100, Math.floor(max / 2 / 100) * 100);
                if (o.jfr) {
                    relay.jvm.jcmd("JFR.start", "name=bench", "settings=profile");
                }
                runs = new ArrayList<>();
                for (int i = 0; i < o.repeats; i++) {
                    rig.settle();
                    StepResult r = rig.step(rate, o.latencySeconds, "latency");
                    ctx.progress("latency run %d/%d %s", i + 1, o.repeats, r.line());
                    if (o.timeline) {
                        printTimeline(ctx, client, r);
                    }
                    runs.add(r);
                }
                run = LatencySpread.medianRun(runs);
            }
            BurstPhase.BurstResult burst = o.phases.contains("burst") ? BurstPhase.run(rig, o.burstEvents) : null;
            Map<String, Object> jfr = null;
            String jfrFile = null;
            if (o.jfr && run != null) {
                Path file = o.workDir.resolve("relay-" + relay.jvm.pid() + ".jfr");
                relay.jvm.jcmd("JFR.dump", "name=bench", "filename=" + file);
                relay.jvm.jcmd("JFR.stop", "name=bench");
                jfr = JfrSummary.summarize(file, 15);
                jfrFile = file.toString();
                ctx.progress("JFR recording %s", file);
            }
            int slow = client.closedTooSlow.get();
            ResumePhase.ResumeResult resume = o.phases.contains("resume") ? ResumePhase.run(ctx, relay, client) : null;
            RelayResult result = new RelayResult(relay.protocol, Round.r2(relay.readySeconds), relay.jvmOptions,
                    pop.sessions, Round.r2(pop.connectSeconds), Round.r1(pop.sessions / pop.connectSeconds),
                    Round.r2(connectCpu), rss, idle.cores(), idle, ramp, best, failedAt, run, runs,
                    runs == null ? null : LatencySpread.of(runs), burst, jfr, jfrFile,
                    slow, resume, client.closedByServer.get(), client.errorFrames.get(), Round.r2(relay.cpuSeconds()),
                    relay.jvm.threads(), relay.readiness(), ctx.producer().errors());
            client.closeAll();
            return result;
        }
    }

    /** Cores the server used over {@code millis} with nothing to deliver. */
    static double idleCores(RelayProcess server, long millis) {
        return IdleProbe.cores(server, millis);
    }

    /** Steps up by {@code --ramp-factor} until one is not sustained; returns {highest sustained, first not}. */
    private static double[] ramp(LoadRig rig, List<StepResult> steps) {
        BenchOptions o = rig.ctx.o;
        double rate = o.rampStart;
        double best = 0;
        double failedAt = 0;
        for (int i = 0; i < o.rampMaxSteps; i++) {
            StepResult s = rig.step(rate, o.rampStepSeconds, "ramp");
            rig.ctx.progress("ramp %s", s.line());
            steps.add(s);
            if (!s.sustained()) {
                failedAt = rate;
                break;
            }
            best = rate;
            rate = Math.round(rate * o.rampFactor / 100) * 100.0;
            rig.settle();
        }
        if (o.rampRefine && best > 0 && failedAt > 0) {
            double mid = Math.round((best + failedAt) / 2 / 100) * 100.0;
            rig.settle();
            StepResult s = rig.step(mid, o.rampStepSeconds, "ramp");
            rig.ctx.progress("ramp (refine) %s", s.line());
            steps.add(s);
            if (s.sustained()) {
                best = mid;
            }
        }
        if (best == 0) {
            rig.ctx.note("no ramp step was sustained; latency measured at half the first step");
            best = o.rampStart;
        }
        rig.settle();
        return new double[]{best, failedAt};
    }

    /** --timeline: the 100 ms slices of the run (by intended send time) whose worst latency passed 10 ms. */
    private static void printTimeline(BenchContext ctx, WsLoadClient client, StepResult run) {
        long nowNanos = System.nanoTime();
        long wallNow = System.currentTimeMillis();
        int last = (int) ((nowNanos - client.startNanos) / 100_000_000L);
        int first = Math.max(0, last - (int) Math.ceil((run.seconds() + 6) * 10));
        int slow = 0;
        for (int b = first; b <= last && b < client.worstBySendTime.length(); b++) {
            long worst = client.worstBySendTime.get(b);
            if (worst > 10_000) {
                slow++;
                long wall = wallNow - (nowNanos - client.startNanos - b * 100_000_000L) / 1_000_000L;
                ctx.progress("  timeline %s worst %.1f ms (broker ack %.1f ms)",
                        LocalTime.ofInstant(Instant.ofEpochMilli(wall), ZoneId.systemDefault()), worst / 1000.0,
                        ctx.producer().worstAckBySendTime.get(b) / 1000.0);
            }
        }
        ctx.progress(String.format(Locale.ROOT, "  timeline: %d of %d slices of 100 ms had an event over 10 ms", slow,
                last - first + 1));
    }
}
