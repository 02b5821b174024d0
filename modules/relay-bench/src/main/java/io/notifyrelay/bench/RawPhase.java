package io.notifyrelay.bench;

/**
 * The raw baseline: a plain KafkaConsumer reads what the run produced, with no sockets; once more with the
 * relay's decode step. A secondary figure: it does less work than the relay, so it is no target to meet.
 */
final class RawPhase {

    record RawResult(int repeats, RawRead plain, RawRead withDecode) {
    }

    /** The best of the repeated reads; {@code accepted} only with the decode step. */
    record RawRead(long records, double seconds, double recordsPerSecond, double consumerJvmCpuSeconds,
                   double recordsPerCpuSecond, Long accepted) {
    }

    private RawPhase() {
    }

    static RawResult run(BenchContext ctx) {
        BenchOptions o = ctx.o;
        int repeats = "smoke".equals(o.profile) ? 1 : "full".equals(o.profile) ? 3 : 2;
        return new RawResult(repeats, read(ctx, repeats, false), read(ctx, repeats, true));
    }

    private static RawRead read(BenchContext ctx, int repeats, boolean decode) {
        // best of a few: on a shared machine a read is slowed by whatever else runs, never sped up
        RawConsumer.Result r = null;
        for (int i = 0; i < repeats; i++) {
            RawConsumer.Result attempt = RawConsumer.read(ctx.broker().bootstrap(), BenchContext.TOPIC,
                    ctx.o.rawMaxRecords, decode);
            if (r == null || attempt.recordsPerSecond() > r.recordsPerSecond()) {
                r = attempt;
            }
        }
        double perCpu = r.records() / Math.max(r.cpuSeconds(), 1e-9);
        ctx.progress("raw consumer%s: %,d records in %.2f s = %,.0f records/s (%,.0f per CPU-s of this JVM)",
                decode ? " + EnvelopeDecoder" : "", r.records(), r.seconds(), r.recordsPerSecond(), perCpu);
        return new RawRead(r.records(), Round.r2(r.seconds()), Round.r1(r.recordsPerSecond()), Round.r2(r.cpuSeconds()),
                Round.r1(perCpu), decode ? r.accepted() : null);
    }
}
