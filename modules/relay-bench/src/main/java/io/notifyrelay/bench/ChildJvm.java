package io.notifyrelay.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM the bench starts as its own process (relay node, broker), so its CPU time and memory are its own: read
 * from {@code /proc/<pid>/stat} and {@code /proc/<pid>/status}, heap through {@code jcmd}.
 */
final class ChildJvm implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)([KMG])");

    final String name;
    final Process process;
    final Path log;
    final List<String> command;

    /** Children still running; a shutdown hook stops them, so Ctrl-C on the bench leaves no broker or relay behind. */
    private static final java.util.Set<Process> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Process p : RUNNING) {
                p.destroy();
            }
            for (Process p : RUNNING) {
                try {
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            }
        }, "bench-children"));
    }

    private ChildJvm(String name, Process process, Path log, List<String> command) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.command = command;
        RUNNING.add(process);
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String jdkTool(String tool) {
        Path beside = Path.of(System.getProperty("java.home"), "bin", tool);
        return Files.isExecutable(beside) ? beside.toString() : tool;
    }

    /** Starts {@code java jvmOptions -cp classpath mainClass args} with {@code env} added to a clean environment. */
    static ChildJvm start(String name, List<String> jvmOptions, String classpath, String mainClass, List<String> args,
                          Map<String, String> env, Path log) {
        return start(name, jvmOptions, classpath, mainClass, args, env, log, null);
    }

    /** As above, on the CPUs of {@code cpuList} ({@code taskset -c}; taskset execs java, so the pid is the JVM's). */
    static ChildJvm start(String name, List<String> jvmOptions, String classpath, String mainClass, List<String> args,
                          Map<String, String> env, Path log, String cpuList) {
        List<String> command = new ArrayList<>();
        if (cpuList != null) {
            command.addAll(List.of("taskset", "-c", cpuList));
        }
        command.add(javaBin());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("RELAY_") || k.equals("JAVA_TOOL_OPTIONS"));
        builder.environment().putAll(env);
        builder.redirectErrorStream(true);
        try {
            Files.createDirectories(log.getParent());
            builder.redirectOutput(log.toFile());
            return new ChildJvm(name, builder.start(), log, command);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** User + system CPU seconds of the whole process so far. */
    double cpuSeconds() {
        return ProcFs.cpuSecondsOf(pid());
    }

    /** Resident set size in KiB. */
    long rssKb() {
        return ProcFs.statusKb(pid(), "VmRSS:");
    }

    int threads() {
        return (int) ProcFs.statusKb(pid(), "Threads:");
    }

    /** Runs {@code jcmd <pid> args...} and returns its output. */
    String jcmd(String... args) {
        List<String> command = new ArrayList<>();
        command.add(jdkTool("jcmd"));
        command.add(Long.toString(pid()));
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

    /** Whether the process still runs. */
    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until {@code url} answers 200, or fails with the last lines of the log. */
    void awaitHttpOk(String url, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail(40));
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            WsLoadClient.sleep(100);
        }
        throw new IllegalStateException(name + " not ready at " + url + " within " + timeout + " (" + last + "):\n"
                + tail(40));
    }

    static String httpGet(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until a line of the log matches. */
    void awaitLogLine(Predicate<String> line, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (Files.exists(log) && Files.readAllLines(log, StandardCharsets.UTF_8).stream().anyMatch(line)) {
                    return;
                }
            } catch (IOException | UncheckedIOException e) {
                // partially written line; retry
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail(40));
            }
            WsLoadClient.sleep(100);
        }
        throw new IllegalStateException(name + " did not start within " + timeout + ":\n" + tail(40));
    }

    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        RUNNING.remove(process);
        if (!process.isAlive()) {
            return;
        }
        process.destroy(); // SIGTERM: the JVM runs its shutdown hooks
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
