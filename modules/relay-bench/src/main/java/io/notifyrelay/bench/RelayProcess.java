package io.notifyrelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.testkit.cluster.ChildJvm;
import io.notifyrelay.testkit.cluster.RelayJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A WebSocket server under test as its own process, started as {@code scripts/relay} starts a relay node
 * ({@code RELAY_*} environment, relay-app's jar and lib/), on the server CPU when the run is pinned. The main
 * class is the relay's, or another server that reads the same environment (the floor forwarder, bare Undertow).
 */
final class RelayProcess implements AutoCloseable {

    private final RelayJvm node;
    /** CPU, memory and jcmd of the node's JVM. */
    final JvmProbe jvm;
    final int port;
    final double readySeconds;
    final String protocol;
    final List<String> jvmOptions;

    private RelayProcess(RelayJvm node, int port, double readySeconds, String protocol, List<String> jvmOptions) {
        this.node = node;
        this.jvm = new JvmProbe(node.process().pid());
        this.port = port;
        this.readySeconds = readySeconds;
        this.protocol = protocol;
        this.jvmOptions = jvmOptions;
    }

    /** A relay node as the options say (its main class is {@code --relay-main}). */
    static RelayProcess start(BenchContext ctx, String protocol, List<String> extraJvmOptions) {
        return start(ctx, ctx.o.relayMain, "relay", protocol, extraJvmOptions, Map.of());
    }

    static RelayProcess start(BenchContext ctx, String mainClass, String label, String protocol,
                              List<String> extraJvmOptions, Map<String, String> extraEnv) {
        BenchOptions o = ctx.o;
        // picked beforehand rather than read back: the floors (not the relay) do not say which port they bound
        int port = ChildJvm.freePort();
        int n = ctx.nextProcessNumber();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("RELAY_KAFKA_BOOTSTRAP_SERVERS", ctx.broker().bootstrap());
        env.put("RELAY_TOPIC", BenchContext.TOPIC);
        env.put("RELAY_GROUP_ID", "bench-" + label + "-" + n + "-" + protocol);
        env.put("RELAY_GROUP_PROTOCOL", protocol);
        env.put("RELAY_HTTP_PORT", Integer.toString(port));
        env.put("RELAY_HTTP_HOST", "0.0.0.0");
        env.put("RELAY_ADVERTISED_URL", "ws://127.0.0.1:" + port + "/v1/ws");
        env.put("RELAY_NODE_ID", "bench-" + n);
        env.put("RELAY_JWT_SECRET", BenchContext.SECRET);
        env.put("RELAY_MAX_CONTACTS_PER_SESSION", Integer.toString(Math.max(1000, o.contactsPerSession)));
        env.put("RELAY_LOG_LEVEL", "INFO");
        if (ctx.traceSink() != null) {
            env.put("OTEL_TRACES_EXPORTER", "otlp");
            env.put("OTEL_EXPORTER_OTLP_ENDPOINT", ctx.traceSink().endpoint());
        }
        env.putAll(o.relayEnv);
        env.putAll(extraEnv);
        List<String> jvm = new ArrayList<>(jvmOptions(o));
        jvm.addAll(extraJvmOptions);
        long t0 = System.nanoTime();
        String name = label + "-" + n;
        RelayJvm child = RelayJvm.start(new RelayJvm.Launch(name, classpath(ctx, mainClass), mainClass, jvm, env,
                o.workDir.resolve(name + ".log"), ctx.cpus.server()));
        try {
            child.awaitReady(Duration.ofSeconds(90));
        } catch (RuntimeException e) {
            child.close();
            throw e;
        }
        double ready = (System.nanoTime() - t0) / 1e9;
        ctx.progress("%s up (pid %d, %s protocol, %s%s) ready in %.2f s", name, child.process().pid(), protocol,
                String.join(" ", jvm), ctx.cpus.pinned() ? ", CPU " + ctx.cpus.server() : "", ready);
        return new RelayProcess(child, port, ready, protocol, List.copyOf(jvm));
    }

    /**
     * The relay's own {@code relay_delivery_latency} histogram (record timestamp to frame written), cumulative
     * count per upper bound in seconds; empty if the node does not publish it (e.g. the floor).
     */
    TreeMap<Double, Long> deliveryLatencyBuckets() {
        return PrometheusText.histogramBuckets(ChildJvm.httpGet("http://127.0.0.1:" + port + "/metrics"),
                "relay_delivery_latency_seconds");
    }

    JsonNode readiness() {
        try {
            return BenchMain.JSON.readTree(ChildJvm.httpGet("http://127.0.0.1:" + port + "/health/ready"));
        } catch (IOException e) {
            return BenchMain.JSON.createObjectNode();
        }
    }

    double cpuSeconds() {
        return jvm.cpuSeconds();
    }

    static List<String> jvmOptions(BenchOptions o) {
        List<String> options = new ArrayList<>();
        options.add("-Xmx" + o.relayHeap);
        switch (o.gc.toLowerCase(Locale.ROOT)) {
            case "g1" -> options.addAll(List.of("-XX:+UseG1GC", "-Xms" + o.relayHeap, "-XX:NewRatio=1")); // as scripts/relay
            case "zgc", "z" -> options.add("-XX:+UseZGC");
            case "parallel" -> options.add("-XX:+UseParallelGC");
            case "serial" -> options.add("-XX:+UseSerialGC");
            case "shenandoah" -> options.add("-XX:+UseShenandoahGC");
            default -> throw new IllegalArgumentException("unknown --gc " + o.gc);
        }
        if (o.jfr) {
            options.add("-XX:+UnlockDiagnosticVMOptions");
            options.add("-XX:+DebugNonSafepoints");
        }
        options.addAll(o.relayJvmExtra);
        return options;
    }

    /**
     * relay-app's jar and lib/ (what scripts/relay runs), else this JVM's classpath (it holds relay-app too); a
     * server of the bench's own (the floors) gets the bench's classes after relay-app's.
     */
    private static String classpath(BenchContext ctx, String mainClass) {
        BenchOptions o = ctx.o;
        String bench = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        if (o.relayClasspath != null) {
            // a floor is the bench's own class: it still needs the bench's classes after the other build's
            return mainClass.startsWith("io.notifyrelay.bench.") ? o.relayClasspath + ":" + bench : o.relayClasspath;
        }
        Path target = o.repoRoot.resolve("modules/relay-app/target");
        Path jar = target.resolve("relay-app-0.1.0-SNAPSHOT.jar");
        if (Files.exists(jar) && Files.isDirectory(target.resolve("lib"))) {
            String relay = jar + ":" + target.resolve("lib") + "/*";
            return mainClass.startsWith("io.notifyrelay.bench.") ? relay + ":" + bench : relay;
        }
        ctx.note("relay-app/target not packaged; the relay ran from the bench classpath");
        return bench;
    }

    @Override
    public void close() {
        node.close();
    }
}
