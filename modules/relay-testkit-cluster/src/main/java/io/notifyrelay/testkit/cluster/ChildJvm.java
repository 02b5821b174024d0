package io.notifyrelay.testkit.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * A JVM started as its own process (a relay node, a broker), its output appended to a log file that outlives it for
 * failure messages. Every one started is registered, so {@link #stopAll()} (and a JVM shutdown hook, for a run that
 * is interrupted) leaves none behind.
 */
public final class ChildJvm implements AutoCloseable {

    private static final Set<ChildJvm> RUNNING = ConcurrentHashMap.newKeySet();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (ChildJvm child : RUNNING) {
                child.process.destroy();
            }
            for (ChildJvm child : RUNNING) {
                try {
                    if (!child.process.waitFor(10, TimeUnit.SECONDS)) {
                        child.process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    child.process.destroyForcibly();
                }
            }
        }, "child-jvm-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path log;
    private final List<String> command;
    /** Lines the log had before this process wrote to it: what it says starts there. */
    private final int firstLine;

    private ChildJvm(String name, Process process, Path log, List<String> command, int firstLine) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.command = command;
        this.firstLine = firstLine;
    }

    public static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * {@code java <jvmOptions> -cp <classpath> <mainClass> <args>}; its environment is ours minus {@code RELAY_*}
     * and the JVM option variables, plus {@code env}.
     */
    public static ChildJvm start(String name, List<String> jvmOptions, String classpath, String mainClass,
                                 List<String> args, Map<String, String> env, Path log) {
        return start(name, jvmOptions, classpath, mainClass, args, env, log, null);
    }

    /** As above, on the CPUs of {@code cpuList} if not null ({@code taskset -c}; it execs java, so the pid is the JVM's). */
    public static ChildJvm start(String name, List<String> jvmOptions, String classpath, String mainClass,
                                 List<String> args, Map<String, String> env, Path log, String cpuList) {
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
        builder.environment().keySet().removeIf(key -> key.startsWith("RELAY_") || key.equals("JAVA_TOOL_OPTIONS")
                || key.equals("_JAVA_OPTIONS"));
        builder.environment().putAll(env);
        builder.redirectErrorStream(true);
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            // appended: a node started again under its name keeps what it said before
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            int firstLine = logLines(log);
            ChildJvm child = new ChildJvm(name, builder.start(), log, List.copyOf(command), firstLine);
            RUNNING.add(child);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public List<String> command() {
        return command;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** The exit code; fails while the process runs. */
    public int exitValue() {
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no leaving the group, sockets reset by the kernel. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM, then waits (bounded) for a clean exit; SIGKILL if it does not come. */
    public void terminate(Duration grace) {
        process.destroy();
        if (!awaitExit(grace)) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(30));
        }
    }

    private boolean awaitExit(Duration timeout) {
        try {
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (exited) {
                RUNNING.remove(this);
            }
            return exited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last lines of the log, for failure messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The first line this process logged that matches, if any. */
    public Optional<String> logLine(Predicate<String> line) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return all.subList(Math.min(firstLine, all.size()), all.size()).stream().filter(line).findFirst();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty(); // not written yet, or a partly written line: asked again
        }
    }

    private static int logLines(Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.ISO_8859_1).size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Waits until a line this process logged matches and returns it, or fails with the end of the log if the
     * process exits first.
     */
    public String awaitLogLine(Predicate<String> line, Duration timeout) {
        return awaitOrExplain(name + " logs the expected line", timeout, () -> logLine(line).orElse(null));
    }

    /** Waits until {@code url} answers 200, or fails with the end of the log. */
    public void awaitHttpOk(String url, Duration timeout) {
        awaitOrExplain(name + " answers 200 at " + url, timeout, () -> {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response : null;
        });
    }

    @FunctionalInterface
    public interface Probe<T> {
        /** @return the awaited value, or null while it is not there yet */
        T get() throws Exception;
    }

    /** Awaits a non-null {@code probe}; if the process exits or time runs out, fails with the end of its log. */
    public <T> T awaitOrExplain(String what, Duration timeout, Probe<T> probe) {
        try {
            return await(what).atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(this + " exited with " + process.exitValue() + ":\n" + tail(40));
                }
                try {
                    return probe.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw e;
                } catch (Exception e) {
                    return null;
                }
            }, value -> value != null);
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(what + ": not within " + timeout.toSeconds() + " s; " + this + " log:\n"
                    + tail(40), e);
        }
    }

    /** The body of a GET, or "" if nothing answers. */
    public static String httpGet(String url) {
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

    /** Terminates every child still running (SIGTERM, 15 s grace each). */
    public static void stopAll() {
        for (ChildJvm child : List.copyOf(RUNNING)) {
            child.terminate(Duration.ofSeconds(15));
        }
    }

    /**
     * A port nothing listens on right now, for a process that cannot report the one it bound (a broker's listeners
     * named in its arguments); a relay node binds port 0 and says which ({@link RelayJvm}).
     */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGTERM and a bounded wait (20 s) for the clean stop. */
    @Override
    public void close() {
        if (process.isAlive()) {
            terminate(Duration.ofSeconds(20));
        }
        RUNNING.remove(this);
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
