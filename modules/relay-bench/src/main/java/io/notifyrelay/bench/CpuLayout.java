package io.notifyrelay.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where the processes of a run may execute. Pinned ({@code --pin}, the default on 2 or more cores): the relay (or
 * the floor) on CPU 0, the broker and this JVM (the load generator) on the other CPUs, with {@code taskset}, so
 * the relay's CPU figures are not shaken by the load it is measured with. Unpinned: everything shares every CPU.
 *
 * @param server CPU list for the server under test, null when unpinned
 * @param others CPU list for the broker and the load generator, null when unpinned
 * @param reason why the run is unpinned, null when pinned or unpinned on request
 */
record CpuLayout(String server, String others, String reason) {

    static CpuLayout choose(BenchOptions o) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (Boolean.FALSE.equals(o.pin)) {
            return new CpuLayout(null, null, null);
        }
        String why = cores < 2 ? "unpinned: " + cores + " core(s), taskset needs 2 to separate relay and load"
                : !tasksetExists() ? "unpinned: taskset not found (Debian: apt-get install util-linux)" : null;
        if (why != null) {
            return new CpuLayout(null, null, why);
        }
        return new CpuLayout("0", cores == 2 ? "1" : "1-" + (cores - 1), null);
    }

    boolean pinned() {
        return server != null;
    }

    /** Pins every thread of this JVM to {@link #others}; threads started later inherit it. */
    void pinSelf() {
        if (pinned()) {
            taskset("-a", "-p", "-c", others, Long.toString(ProcessHandle.current().pid()));
        }
    }

    /** Undoes {@link #pinSelf}, for a JVM that goes on running tests after the bench. */
    void unpinSelf() {
        if (pinned()) {
            int last = Runtime.getRuntime().availableProcessors() - 1;
            taskset("-a", "-p", "-c", "0-" + last, Long.toString(ProcessHandle.current().pid()));
        }
    }

    private static boolean tasksetExists() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "taskset"))) {
                return true;
            }
        }
        return false;
    }

    private static void taskset(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("taskset"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
