package io.notifyrelay.chaos;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The size of a chaos run, from system properties ({@code -Dchaos.events=200000} on the Maven command line, or
 * {@code ./scripts/chaos --large}). The defaults are the CI size that {@code ./scripts/test} runs.
 */
record ChaosSettings(int events, int ratePerSecond, int partitions, int lobs, int contactsPerLob,
                     int lobWideClientsPerLob, int contactClientsPerLob, Duration catchUpTimeout, long seed,
                     Path repoRoot, Path workDir) {

    static ChaosSettings fromSystemProperties() {
        int events = intProperty("chaos.events", 20_000);
        // the CI size runs for about a minute, so node kills and restarts happen while events flow
        int rate = intProperty("chaos.rate", Math.max(300, Math.min(2000, events / 60)));
        Path repoRoot = Path.of(System.getProperty("chaos.repoRoot", "../..")).toAbsolutePath().normalize();
        Path workDir = Path.of(System.getProperty("chaos.workDir", "target/chaos")).toAbsolutePath().normalize();
        return new ChaosSettings(events, rate, intProperty("chaos.partitions", 12), intProperty("chaos.lobs", 4),
                intProperty("chaos.contactsPerLob", 30), intProperty("chaos.lobWideClientsPerLob", 2),
                intProperty("chaos.contactClientsPerLob", 3),
                Duration.ofSeconds(intProperty("chaos.catchUpTimeoutSeconds", 120)),
                Long.getLong("chaos.seed", System.nanoTime()), repoRoot, workDir);
    }

    private static int intProperty(String name, int defaultValue) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        int parsed = Integer.parseInt(value.trim().replace("_", ""));
        if (parsed <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
        return parsed;
    }
}
