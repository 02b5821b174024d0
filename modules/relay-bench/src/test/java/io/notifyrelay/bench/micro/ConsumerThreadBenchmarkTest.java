package io.notifyrelay.bench.micro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every micro-benchmark once, briefly and in this JVM, so they cannot rot: the generated harness is there and
 * each method runs and yields a score. Not a performance test: figures come from a real run (docs/performance.md).
 */
class ConsumerThreadBenchmarkTest {

    @Test
    void everyBenchmarkRunsAndScores() throws Exception {
        Options options = new OptionsBuilder()
                .include(ConsumerThreadBenchmark.class.getName())
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .shouldFailOnError(true)
                .build();

        Collection<RunResult> results = new Runner(options).run();

        Set<String> ran = results.stream().map(r -> r.getParams().getBenchmark().replaceAll(".*\\.", ""))
                .collect(Collectors.toSet());
        assertEquals(Set.of("toInbound", "decode", "decodeAndEncodeCursor"), ran);
        for (RunResult result : results) {
            double nanos = result.getPrimaryResult().getScore();
            assertTrue(nanos > 0 && Double.isFinite(nanos), result.getParams().getBenchmark() + ": " + nanos);
        }
    }
}
