package io.notifyrelay.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What serving anywhere costs a node: a relay node with no session at all while the topic carries
 * {@code --read-cost-rate} events/s that it reads (every node reads every partition in that mode) and delivers to
 * nobody. One fresh node per entry of {@code --read-cost-modes} (values of RELAY_MODE; {@code default} leaves it
 * unset, i.e. the node's default), so the cost of each mode is measured on the same load.
 */
final class ReadCostPhase {

    /** @param modes by mode, in the order measured; the last is the headline figure */
    record ReadCostResult(double eventsPerSecond, int recordBytes, Map<String, ModeCost> modes) {

        ModeCost headline() {
            ModeCost last = null;
            for (ModeCost cost : modes.values()) {
                last = cost;
            }
            return last;
        }
    }

    /**
     * @param cores          the node's CPU while reading
     * @param idleCores      the same node with nothing produced, measured right after (the poll loop's own cost)
     * @param partitionsRead partitions the node's readiness lists, of {@code partitions} in the topic
     */
    record ModeCost(double producedPerSecond, double cores, double idleCores, double cpuMicrosPerEvent,
                    int partitionsRead, int partitions) {
    }

    private ReadCostPhase() {
    }

    static ReadCostResult run(BenchContext ctx) {
        BenchOptions o = ctx.o;
        List<LoadProducer.Target> targets = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 1000; i++) { // contacts nobody subscribes to, over every LOB and partition
            String contact = SessionPopulation.contactId(5_000_000 + i);
            targets.add(new LoadProducer.Target("lob-" + (i % o.lobs), contact));
            keys.add(contact.getBytes(StandardCharsets.US_ASCII));
        }
        Map<String, ModeCost> modes = new LinkedHashMap<>();
        for (String mode : o.readCostModes) {
            modes.put(mode, measure(ctx, mode, targets, keys));
        }
        return new ReadCostResult(o.readCostRate, o.notificationBytes, modes);
    }

    private static ModeCost measure(BenchContext ctx, String mode, List<LoadProducer.Target> targets,
                                    List<byte[]> keys) {
        BenchOptions o = ctx.o;
        Map<String, String> env = "default".equals(mode) ? Map.of() : Map.of("RELAY_MODE", mode);
        try (RelayProcess relay = RelayProcess.start(ctx, o.relayMain, "readcost", o.groupProtocol, List.of(), env)) {
            // warm-up as long as the measurement: JIT and the fetch sessions of every partition settle first
            ctx.producer().paced(o.readCostRate, o.readCostSeconds, targets, keys, "readcost-warm-");
            double cpu0 = relay.cpuSeconds();
            LoadProducer.Paced paced = ctx.producer().paced(o.readCostRate, o.readCostSeconds, targets, keys,
                    "readcost-");
            double cores = (relay.cpuSeconds() - cpu0) / paced.seconds();
            WsLoadClient.sleep(1000); // the tail of the last fetches stays out of the idle figure
            double idle = ThroughputPhase.idleCores(relay, 4000);
            int read = relay.readiness().path("partitions").size();
            double micros = cores / paced.achievedRate() * 1e6;
            ctx.progress(String.format(Locale.ROOT, "read cost (%s mode): %,.0f events/s to no session: node %.3f "
                            + "cores (%.3f with the topic idle), %.1f µs CPU per event, reading %d of %d partitions",
                    mode, paced.achievedRate(), cores, idle, micros, read, o.partitions));
            if (read < o.partitions) {
                ctx.note("read cost (" + mode + "): the node read " + read + " of " + o.partitions
                        + " partitions, not the whole topic");
            }
            return new ModeCost(Round.r1(paced.achievedRate()), Round.r3(cores), Round.r3(idle), Round.r1(micros),
                    read, o.partitions);
        }
    }
}
