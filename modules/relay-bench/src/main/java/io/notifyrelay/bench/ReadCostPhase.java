package io.notifyrelay.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What serving anywhere costs a node: a relay node with its default settings and no session at all, while the
 * topic carries {@code --read-cost-rate} events/s that it must read (every node reads every partition in that
 * mode) and deliver to nobody. Its CPU over the run is the price of reading the whole topic.
 */
final class ReadCostPhase {

    /**
     * @param idleCores      the same node with nothing produced (measured right after), for comparison
     * @param partitionsRead partitions the node said it reads (its readiness), of {@code partitions} in the topic
     */
    record ReadCostResult(double offeredPerSecond, double producedPerSecond, double seconds, double idleCores,
                          double relayCores, double relayCpuSeconds, int partitionsRead, int partitions) {
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
            keys.add(contact.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        try (RelayProcess relay = RelayProcess.start(ctx, o.groupProtocol, List.of())) {
            // two unmeasured seconds of load first: JIT and the fetch sessions of every partition
            ctx.producer().paced(o.readCostRate, 2, targets, keys, "readcost-warm-");
            double cpu0 = relay.cpuSeconds();
            long t0 = System.nanoTime();
            LoadProducer.Paced paced = ctx.producer().paced(o.readCostRate, o.readCostSeconds, targets, keys,
                    "readcost-");
            WsLoadClient.sleep(200); // the tail of the last fetch
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = relay.cpuSeconds() - cpu0;
            // idle after the load, not before: right after start-up the JIT is still busy and would count as idle
            double idle = ThroughputPhase.idleCores(relay, 3000);
            int read = relay.readiness().path("partitions").size();
            ctx.progress(String.format(Locale.ROOT, "read cost: %,.0f events/s to no session: relay %.3f cores "
                    + "(idle %.3f), reading %d of %d partitions", paced.achievedRate(), cpu / seconds, idle, read,
                    o.partitions));
            if (read < o.partitions) {
                ctx.note("read cost: the node read " + read + " of " + o.partitions + " partitions, not the whole topic");
            }
            return new ReadCostResult(o.readCostRate, Round.r1(paced.achievedRate()), Round.r2(seconds), Round.r3(idle),
                    Round.r3(cpu / seconds), Round.r2(cpu), read, o.partitions);
        }
    }
}
