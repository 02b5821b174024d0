package io.notifyrelay.testkit.cluster;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A relay node as its own process, run exactly as shipped ({@code java -cp relay-app.jar:lib/* Main}, configured by
 * {@code RELAY_*} variables). With {@code RELAY_HTTP_PORT=0} it binds a free port and {@link #port()} reads the one it
 * bound back from its "listening on" line. Kill it (SIGKILL), terminate it (SIGTERM) or start it again on its port;
 * its log stays for failure messages.
 */
public final class RelayJvm implements AutoCloseable {

    public static final String MAIN_CLASS = "io.notifyrelay.app.Main";
    private static final Pattern LISTENING = Pattern.compile("Relay node \\S+ listening on wss?://[^\\s/]+:(\\d+)/");

    /** How to start the process again: everything but the port stays. */
    public record Launch(String name, String classpath, String mainClass, List<String> jvmOptions,
                         Map<String, String> env, Path log, String cpuList) {
        public Launch {
            jvmOptions = List.copyOf(jvmOptions);
            env = Map.copyOf(env);
        }

        /** A relay node (relay-app's Main) on all CPUs. */
        public static Launch relay(String name, String classpath, List<String> jvmOptions, Map<String, String> env,
                                   Path log) {
            return new Launch(name, classpath, MAIN_CLASS, jvmOptions, env, log, null);
        }
    }

    private final Launch launch;
    private final ChildJvm process;
    private volatile int port;

    private RelayJvm(Launch launch, ChildJvm process, int port) {
        this.launch = launch;
        this.process = process;
        this.port = port;
    }

    /**
     * relay-app's jar and its {@code lib/} folder in {@code target} (what {@code scripts/relay} runs), as a class
     * path; fails with what to build when they are missing.
     */
    public static String classpath(Path target, String version) {
        Path jar = target.resolve("relay-app-" + version + ".jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(target.resolve("lib"))) {
            throw new IllegalStateException(jar + " or its lib/ folder is missing: package relay-app first "
                    + "(mvn -DskipTests package -pl modules/relay-app -am)");
        }
        return jar + File.pathSeparator + target.resolve("lib") + "/*";
    }

    /** Starts the process; does not wait for it (see {@link #port()} and {@link #awaitReady}). */
    public static RelayJvm start(Launch launch) {
        ChildJvm process = ChildJvm.start(launch.name(), launch.jvmOptions(), launch.classpath(), launch.mainClass(),
                List.of(), launch.env(), launch.log(), launch.cpuList());
        int port = Integer.parseInt(launch.env().getOrDefault("RELAY_HTTP_PORT", "0"));
        return new RelayJvm(launch, process, port);
    }

    /** The node started again as it was, on the port it had (so clients find it at the same URL). */
    public RelayJvm restart() {
        if (process.isAlive()) {
            throw new IllegalStateException(this + " still runs: kill or terminate it first");
        }
        Map<String, String> env = new HashMap<>(launch.env());
        env.put("RELAY_HTTP_PORT", Integer.toString(port()));
        return start(new Launch(launch.name(), launch.classpath(), launch.mainClass(), launch.jvmOptions(), env,
                launch.log(), launch.cpuList()));
    }

    public String name() {
        return launch.name();
    }

    public ChildJvm process() {
        return process;
    }

    /** The HTTP/WebSocket port: the configured one, else the one the node says it bound (waits for that line). */
    public int port() {
        if (port == 0) {
            String line = process.awaitLogLine(l -> LISTENING.matcher(l).find(), Duration.ofSeconds(90));
            Matcher matcher = LISTENING.matcher(line);
            matcher.find();
            port = Integer.parseInt(matcher.group(1));
        }
        return port;
    }

    public String httpUrl() {
        return "http://127.0.0.1:" + port();
    }

    public String webSocketUrl() {
        return "ws://127.0.0.1:" + port() + "/v1/ws";
    }

    /** Until {@code /health/ready} answers 200, or fails with the end of the log. */
    public void awaitReady(Duration timeout) {
        process.awaitHttpOk(httpUrl() + "/health/ready", timeout);
    }

    /** SIGKILL. */
    public void kill() {
        process.kill();
    }

    /** SIGTERM and wait for the clean stop (the node hands its partitions over and sends moved frames). */
    public void terminate(Duration grace) {
        process.terminate(grace);
    }

    public String tail(int lines) {
        return process.tail(lines);
    }

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return name() + " :" + (port == 0 ? "?" : Integer.toString(port)) + " (pid " + process.pid() + ")";
    }
}
