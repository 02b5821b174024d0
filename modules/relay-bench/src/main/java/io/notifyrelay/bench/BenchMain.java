package io.notifyrelay.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * The Notify Relay benchmark ({@code ./scripts/bench}): starts a Kafka broker and relay nodes as their own
 * processes, drives them with real WebSocket sessions from this JVM, prints a table and writes JSON. This class
 * only orders the phases (one class each) and writes what they return. See {@code docs/performance.md}.
 */
public final class BenchMain {

    /** Results as JSON: records in declaration order, phases that did not run left out. */
    static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.USE_DEFAULTS)).build();

    private final BenchOptions o;
    private final PrintStream out;

    BenchMain(BenchOptions options, PrintStream out) {
        this.o = options;
        this.out = out;
    }

    public static void main(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (BenchOptions.HelpRequested help) {
            System.out.print(help.getMessage());
            System.exit(0);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            new BenchMain(options, System.out).run();
            System.exit(0);
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Runs every selected phase; returns the results also written to {@link BenchOptions#out}. */
    BenchResults run() {
        long started = System.nanoTime();
        String startedAt = Instant.now().toString();
        BenchContext ctx = new BenchContext(o, out);
        MachineInfo machine = MachineInfo.probe(o, ctx.cpus);
        ThroughputPhase.RelayResult relay = null;
        FloorPhase.FloorResult floor = null;
        FanoutPhase.FanoutResult fanout = null;
        SocketIoPhase.SocketIoResult socketIo = null;
        ReadCostPhase.ReadCostResult readCost = null;
        ReceiptCostPhase.ReceiptCostResult receiptCost = null;
        RawPhase.RawResult raw = null;
        MemoryPhase.MemoryResult memory = null;
        Map<String, ProtocolPhase.ProtocolRun> protocols = null;
        Map<String, Object> traceExports = null;
        BenchResults results;
        try {
            ctx.start();
            if (o.phases.stream().anyMatch(Set.of("ramp", "latency", "burst", "resume")::contains)) {
                relay = ThroughputPhase.run(ctx);
            }
            if (o.phases.contains("floor")) {
                // right after the relay, at the rate of the relay's latency runs
                double rate = relay != null && relay.latency() != null ? relay.latency().offeredPerSecond()
                        : o.fixedRate > 0 ? o.fixedRate : 2 * o.warmupRate;
                floor = FloorPhase.run(ctx, rate);
            }
            if (o.phases.contains("fanout")) {
                fanout = FanoutPhase.run(ctx);
            }
            if (o.phases.contains("socketio")) {
                socketIo = SocketIoPhase.run(ctx);
            }
            if (o.phases.contains("readcost")) {
                readCost = ReadCostPhase.run(ctx);
            }
            if (o.phases.contains("receipts")) {
                receiptCost = ReceiptCostPhase.run(ctx);
            }
            if (o.phases.contains("raw")) {
                raw = RawPhase.run(ctx);
            }
            if (o.phases.contains("memory")) {
                memory = MemoryPhase.run(ctx);
            }
            if (o.phases.contains("protocols")) {
                protocols = ProtocolPhase.run(ctx, relay);
            }
        } finally {
            if (ctx.traceSink() != null) {
                traceExports = ctx.traceSink().summary();
            }
            ctx.close();
            // written even when a phase failed, with what the others measured
            results = new BenchResults(o.profile, startedAt, machine, RunParameters.of(o), relay, floor, fanout,
                    socketIo, readCost, receiptCost, raw, memory, protocols,
                    Summary.of(relay, floor, fanout, socketIo, readCost, raw, memory), traceExports,
                    ProcFs.readTrimmed(Path.of("/proc/loadavg")), ctx.notes(),
                    Round.r1((System.nanoTime() - started) / 1e9));
            write(results);
        }
        new TablePrinter(out).print(o, results);
        return results;
    }

    private void write(BenchResults results) {
        try {
            Files.createDirectories(o.out.toAbsolutePath().getParent());
            JSON.writeValue(o.out.toFile(), results);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + o.out, e);
        }
    }
}
