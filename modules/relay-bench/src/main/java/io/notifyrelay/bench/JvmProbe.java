package io.notifyrelay.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the bench measures of a child JVM (relay node, broker), so its CPU time and memory are its own: read from
 * {@code /proc/<pid>/stat} and {@code /proc/<pid>/status}, heap through {@code jcmd}.
 */
final class JvmProbe {

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)([KMG])");

    private final long pid;

    JvmProbe(long pid) {
        this.pid = pid;
    }

    long pid() {
        return pid;
    }

    static String jdkTool(String tool) {
        Path beside = Path.of(System.getProperty("java.home"), "bin", tool);
        return Files.isExecutable(beside) ? beside.toString() : tool;
    }

    /** User + system CPU seconds of the whole process so far. */
    double cpuSeconds() {
        return ProcFs.cpuSecondsOf(pid);
    }

    /** Resident set size in KiB. */
    long rssKb() {
        return ProcFs.statusKb(pid, "VmRSS:");
    }

    int threads() {
        return (int) ProcFs.statusKb(pid, "Threads:");
    }

    /** Runs {@code jcmd <pid> args...} and returns its output. */
    String jcmd(String... args) {
        List<String> command = new ArrayList<>();
        command.add(jdkTool("jcmd"));
        command.add(Long.toString(pid));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Heap in use (KiB) right after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}). */
    long heapUsedAfterGcKb() {
        jcmd("GC.run");
        jcmd("GC.run"); // a second one lets reference processing and cleaners finish
        String info = jcmd("GC.heap_info");
        // every collector prints "used N[KMG]" per heap space (G1: one line; Serial/Parallel: one per generation;
        // ZGC: ZHeap); the Metaspace and class space lines are not heap
        long total = 0;
        boolean found = false;
        for (String line : info.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("Metaspace") || trimmed.startsWith("class space")) {
                continue;
            }
            Matcher m = HEAP_USED.matcher(line);
            if (m.find()) {
                found = true;
                long value = Long.parseLong(m.group(1));
                total += switch (m.group(2)) {
                    case "G" -> value * 1024 * 1024;
                    case "M" -> value * 1024;
                    default -> value;
                };
            }
        }
        if (!found) {
            throw new IllegalStateException("cannot read heap use from: " + info);
        }
        return total;
    }
}
