package io.notifyrelay.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** What the bench reads from {@code /proc}: CPU time and memory of a process, of the machine, and limits. */
final class ProcFs {

    static final long CLOCK_TICKS = clockTicks();

    private ProcFs() {
    }

    /** User + system CPU seconds of process {@code pid} so far; NaN if it cannot be read. */
    static double cpuSecondsOf(long pid) {
        try {
            return cpuSecondsFromStat(Files.readString(Path.of("/proc/" + pid + "/stat")));
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** utime + stime of one {@code /proc/<pid>/stat} line (fields 14 and 15; the command name may hold spaces). */
    static double cpuSecondsFromStat(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS;
    }

    /** CPU seconds of this JVM (the load generator). */
    static double selfCpuSeconds() {
        return cpuSecondsOf(ProcessHandle.current().pid());
    }

    /** A KiB (or count) field of {@code /proc/<pid>/status}, e.g. {@code VmRSS:}; -1 if absent. */
    static long statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** CPU seconds the whole machine spent busy (not idle or iowait) since boot, from /proc/stat. */
    static double machineBusySeconds() {
        return firstLineStartingWith(Path.of("/proc/stat"), "cpu ").map(ProcFs::busySecondsFromCpuLine).orElse(0.0);
    }

    static double busySecondsFromCpuLine(String line) {
        String[] f = line.trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return (total - idle) / (double) CLOCK_TICKS;
    }

    static long openFileLimit() {
        return firstLineStartingWith(Path.of("/proc/self/limits"), "Max open files")
                .map(l -> l.substring("Max open files".length()).trim().split("\\s+")[0])
                .map(v -> "unlimited".equals(v) ? Long.MAX_VALUE : Long.parseLong(v)).orElse(1024L);
    }

    static Optional<String> firstLineStartingWith(Path file, String prefix) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(prefix)).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static String readTrimmed(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
