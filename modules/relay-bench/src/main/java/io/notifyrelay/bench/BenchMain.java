package io.notifyrelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.schema.NotificationSchema;
import io.notifyrelay.testkit.KafkaBackends;
import io.notifyrelay.testkit.TestTokens;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The Notify Relay benchmark ({@code ./scripts/bench}): starts a Kafka broker and relay nodes as their own
 * processes, drives the relay with real WebSocket sessions from this JVM, and measures the figures of issue #6.
 * Prints a table and writes JSON. See {@code docs/performance.md}.
 */
public final class BenchMain {

    static final String TOPIC = "notify.events";
    static final String SECRET = "notify-relay-bench-secret-0123456789abcdef";
    static final int CONTACT_LENGTH = 36;
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    // targets of issue #6
    static final double TARGET_MSGS_PER_CPU_S = 60_000;
    static final double TARGET_P50_MS = 3;
    static final double TARGET_P99_MS = 10;
    static final double TARGET_P999_MS = 30;
    static final double TARGET_HEAP_PER_SESSION = 2048;
    static final int TARGET_SESSIONS = 50_000;
    static final double TARGET_RATIO = 0.5;

    private final BenchOptions o;
    private final PrintStream out;
    private final Map<String, Object> results = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private ChildJvm broker;
    private String bootstrap;
    private LoadProducer producer;
    private Notifications notifications;
    private int relayCount;

    /** Receives the relay's OTLP exports with --tracing on; null otherwise. */
    private TraceSink traceSink;

    BenchMain(BenchOptions options, PrintStream out) {
        this.o = options;
        this.out = out;
    }

    public static void main(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (BenchOptions.HelpRequested help) {
            System.out.print(help.getMessage());
            System.exit(0);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            new BenchMain(options, System.out).run();
            System.exit(0);
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Runs every selected phase; returns the results also written to {@link BenchOptions#out}. */
    Map<String, Object> run() {
        long started = System.nanoTime();
        results.put("profile", o.profile);
        results.put("started", Instant.now().toString());
        results.put("machine", machine());
        results.put("parameters", parameters());
        try {
            try {
                Files.createDirectories(o.workDir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            notifications = new Notifications(o.notificationBytes, CONTACT_LENGTH);
            checkTemplateIsValid();
            startBroker();
            producer = new LoadProducer(bootstrap, TOPIC, notifications, o.lingerMs, o.tracing);
            if (o.tracing) {
                traceSink = TraceSink.start();
                progress("tracing on: relay spans exported with OTLP to %s", traceSink.endpoint());
            }
            Map<String, Object> main = new LinkedHashMap<>();
            results.put("relay", main);
            if (o.phases.stream().anyMatch(p -> Set.of("ramp", "latency", "burst", "resume").contains(p))) {
                throughputPhases(main);
            }
            if (o.phases.contains("raw")) {
                results.put("raw", rawPhase());
            }
            if (o.phases.contains("memory")) {
                results.put("memory", memoryPhase());
            }
            if (o.phases.contains("protocols")) {
                results.put("protocols", protocolPhase(main));
            }
            if (o.phases.contains("readcost")) {
                results.put("readCost", readCostPhase());
            }
            results.put("summary", summary());
        } finally {
            if (traceSink != null) {
                results.put("traceExports", traceSink.summary());
                traceSink.close();
            }
            if (producer != null) {
                producer.close();
            }
            if (broker != null) {
                broker.close();
            }
            results.put("loadAverageAtEnd", readTrimmed(Path.of("/proc/loadavg")));
            results.put("notes", notes);
            results.put("durationSeconds", round1((System.nanoTime() - started) / 1e9));
            write();
        }
        printTable();
        return results;
    }

    // ---------------------------------------------------------------- setup

    private void checkTemplateIsValid() {
        byte[] sample = notifications.build(contactId(0).getBytes(StandardCharsets.US_ASCII), System.nanoTime());
        var validation = NotificationSchema.instance().validate(sample);
        if (!validation.isValid()) {
            throw new IllegalStateException("the bench notification is not valid: " + validation.describeErrors());
        }
    }

    private void startBroker() {
        int port = freePort();
        // this JVM's classpath has the test kit's broker; under Surefire java.class.path is only its booter jar
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        broker = ChildJvm.start("broker", brokerJvmOptions(), classpath,
                "io.notifyrelay.testkit.DevKafkaBroker", List.of("--port", Integer.toString(port)), Map.of(),
                o.workDir.resolve("broker.log"));
        long t0 = System.nanoTime();
        broker.awaitLogLine(line -> line.contains(KafkaBackends.BANNER_PREFIX), Duration.ofSeconds(90));
        bootstrap = "localhost:" + port;
        progress("broker up at %s in %.1f s (pid %d)", bootstrap, (System.nanoTime() - t0) / 1e9, broker.pid());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, o.partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + TOPIC + ": " + e, e);
        }
    }

    /** One relay node process, as scripts/relay would start it. */
    private final class Relay implements AutoCloseable {
        final ChildJvm jvm;
        final int port;
        final double readySeconds;
        final String protocol;

        Relay(String protocol) {
            this(protocol, List.of());
        }

        Relay(String protocol, List<String> extraJvmOptions) {
            this.protocol = protocol;
            this.port = freePort();
            int n = ++relayCount;
            Map<String, String> env = new LinkedHashMap<>();
            env.put("RELAY_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            env.put("RELAY_TOPIC", TOPIC);
            env.put("RELAY_GROUP_ID", "bench-relay-" + n + "-" + protocol);
            env.put("RELAY_GROUP_PROTOCOL", protocol);
            env.put("RELAY_HTTP_PORT", Integer.toString(port));
            env.put("RELAY_HTTP_HOST", "0.0.0.0");
            env.put("RELAY_ADVERTISED_URL", "ws://127.0.0.1:" + port + "/v1/ws");
            env.put("RELAY_NODE_ID", "bench-" + n);
            env.put("RELAY_JWT_SECRET", SECRET);
            env.put("RELAY_MAX_CONTACTS_PER_SESSION", Integer.toString(Math.max(1000, o.contactsPerSession)));
            env.put("RELAY_LOG_LEVEL", "INFO");
            if (traceSink != null) {
                env.put("OTEL_TRACES_EXPORTER", "otlp");
                env.put("OTEL_EXPORTER_OTLP_ENDPOINT", traceSink.endpoint());
            }
            env.putAll(o.relayEnv);
            List<String> jvm = new ArrayList<>(relayJvmOptions());
            jvm.addAll(extraJvmOptions);
            long t0 = System.nanoTime();
            this.jvm = ChildJvm.start("relay-" + n, jvm, relayClasspath(), o.relayMain, List.of(), env,
                    o.workDir.resolve("relay-" + n + ".log"));
            this.jvm.awaitHttpOk("http://127.0.0.1:" + port + "/health/ready", Duration.ofSeconds(90));
            this.readySeconds = (System.nanoTime() - t0) / 1e9;
            progress("relay-%d up (pid %d, %s protocol, %s) ready in %.2f s", n, this.jvm.pid(), protocol,
                    String.join(" ", jvm), readySeconds);
        }

        /**
         * The relay's own {@code relay_delivery_latency} histogram (record timestamp to frame written), cumulative
         * count per upper bound in seconds; empty if the node does not publish it (e.g. --relay-main).
         */
        java.util.TreeMap<Double, Long> deliveryLatencyBuckets() {
            java.util.TreeMap<Double, Long> buckets = new java.util.TreeMap<>();
            try {
                for (String line : ChildJvm.httpGet("http://127.0.0.1:" + port + "/metrics").split("\n")) {
                    if (line.startsWith("relay_delivery_latency_seconds_bucket{")) {
                        int le = line.indexOf("le=\"") + 4;
                        String bound = line.substring(le, line.indexOf('"', le));
                        double upper = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
                        long count = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                        buckets.merge(upper, count, Long::sum);
                    }
                }
            } catch (RuntimeException e) { // not a histogram we can read: report none
                buckets.clear();
            }
            return buckets;
        }

        JsonNode readiness() {
            try {
                return JSON.readTree(ChildJvm.httpGet("http://127.0.0.1:" + port + "/health/ready"));
            } catch (IOException e) {
                return JSON.createObjectNode();
            }
        }

        @Override
        public void close() {
            jvm.close();
        }
    }

    private List<String> relayJvmOptions() {
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

    private String relayClasspath() {
        if (o.relayClasspath != null) {
            return o.relayClasspath;
        }
        Path target = o.repoRoot.resolve("modules/relay-app/target");
        Path jar = target.resolve("relay-app-0.1.0-SNAPSHOT.jar");
        if (Files.exists(jar) && Files.isDirectory(target.resolve("lib"))) {
            return jar + ":" + target.resolve("lib") + "/*";
        }
        notes.add("relay-app/target not packaged; the relay ran from the bench classpath");
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    // ---------------------------------------------------------------- sessions

    static String contactId(int n) {
        String prefix = "c" + n + "-";
        return prefix + "843adb07-c0f3-4ad2-b08a-7680fe7eed8f".substring(0, CONTACT_LENGTH - prefix.length());
    }

    /** Sessions and the events that reach exactly one of them each. */
    private final class Population {
        final List<LoadProducer.Target> targets = new ArrayList<>();
        final List<byte[]> keys = new ArrayList<>();
        final int sessions;
        final double connectSeconds;
        long expected;

        /** Opens {@code sessions} sessions; session i is of LOB i % lobs and subscribes to its own contacts. */
        Population(WsLoadClient client, int port, int firstContact, int sessions) {
            this.sessions = sessions;
            Map<String, String> authByLob = new HashMap<>();
            List<InetSocketAddress> addresses = addresses(port, sessions);
            Semaphore inFlight = new Semaphore(o.maxConnectInFlight);
            int readyBefore = client.ready.get();
            int failedBefore = client.failed.get();
            long t0 = System.nanoTime();
            for (int i = 0; i < sessions; i++) {
                String lob = "lob-" + (i % o.lobs);
                String auth = authByLob.computeIfAbsent(lob, l ->
                        "{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(SECRET).lob(l)
                                .expiresIn(Duration.ofHours(6)).sign() + "\"}");
                StringBuilder subscribe = new StringBuilder("{\"type\":\"subscribe\",\"contacts\":[");
                for (int c = 0; c < o.contactsPerSession; c++) {
                    String contact = contactId(firstContact + i * o.contactsPerSession + c);
                    subscribe.append(c == 0 ? "\"" : ",\"").append(contact).append('"');
                    targets.add(new LoadProducer.Target(lob, contact));
                    keys.add(contact.getBytes(StandardCharsets.US_ASCII));
                }
                subscribe.append("]}");
                inFlight.acquireUninterruptibly();
                client.open(new WsLoadClient.Spec(addresses.get(i % addresses.size()), "/v1/ws", auth,
                        subscribe.toString(), null), inFlight);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (client.ready.get() - readyBefore + client.failed.get() - failedBefore < sessions
                    && System.nanoTime() < deadline) {
                WsLoadClient.sleep(20);
            }
            this.connectSeconds = (System.nanoTime() - t0) / 1e9;
            int ok = client.ready.get() - readyBefore;
            progress("%d sessions subscribed in %.1f s (%d failed%s)", ok, connectSeconds,
                    client.failed.get() - failedBefore,
                    client.lastFailure == null ? "" : "; last failure: " + client.lastFailure);
            if (ok < sessions) {
                throw new IllegalStateException("only " + ok + " of " + sessions + " sessions subscribed; last failure: "
                        + client.lastFailure);
            }
        }
    }

    /** Several loopback addresses once one source address would run out of ephemeral ports (~28k by default). */
    private List<InetSocketAddress> addresses(int port, int sessions) {
        int count = Math.max(1, (sessions + 19_999) / 20_000);
        List<InetSocketAddress> list = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            list.add(new InetSocketAddress("127.0.0." + i, port));
        }
        return list;
    }

    // ---------------------------------------------------------------- phases

    private void throughputPhases(Map<String, Object> main) {
        Recorder latency = new Recorder(3);
        try (Relay relay = new Relay(o.groupProtocol); WsLoadClient client = new WsLoadClient(o.clientThreads, latency)) {
            if (o.timeline) {
                producer.trackAcks(client.startNanos);
            }
            main.put("groupProtocol", relay.protocol);
            main.put("readySeconds", round2(relay.readySeconds));
            main.put("jvmOptions", relayJvmOptions());
            double cpuStart = relay.jvm.cpuSeconds();
            Population pop = new Population(client, relay.port, 0, o.sessions);
            main.put("sessions", pop.sessions);
            main.put("connectSeconds", round2(pop.connectSeconds));
            main.put("sessionsPerSecondConnect", round1(pop.sessions / pop.connectSeconds));
            main.put("relayCpuSecondsConnect", round2(relay.jvm.cpuSeconds() - cpuStart));
            main.put("rssKbWithSessions", relay.jvm.rssKb());

            // what 10k idle sessions cost: heartbeats, timers, the poll loop with nothing to read
            WsLoadClient.sleep(2000); // let the connection storm's JIT and GC work finish
            double idle0 = relay.jvm.cpuSeconds();
            long idleT0 = System.nanoTime();
            WsLoadClient.sleep(4000);
            main.put("relayIdleCores", round3((relay.jvm.cpuSeconds() - idle0) / ((System.nanoTime() - idleT0) / 1e9)));
            progress("relay idle with %,d sessions: %.3f cores", pop.sessions, main.get("relayIdleCores"));

            // warm-up: JIT and connection pools, not measured
            Step warm = step(relay, client, latency, pop, o.warmupRate, o.warmupSeconds, "warmup");
            progress("warm-up %s", warm.line());

            double max = o.fixedRate;
            if (o.fixedRate <= 0 && o.phases.contains("ramp")) {
                max = ramp(relay, client, latency, pop, main);
            } else if (max <= 0) {
                max = 2 * o.warmupRate;
            }
            if (o.phases.contains("latency")) {
                double rate = o.fixedRate > 0 ? o.fixedRate : Math.max(100, Math.floor(max / 2 / 100) * 100);
                if (o.jfr) {
                    relay.jvm.jcmd("JFR.start", "name=bench", "settings=profile");
                }
                Step run = step(relay, client, latency, pop, rate, o.latencySeconds, "latency");
                progress("latency run %s", run.line());
                if (o.timeline) {
                    printTimeline(client, run);
                }
                main.put("latency", run.toMap());
            }
            if (o.phases.contains("burst")) {
                main.put("burst", burst(relay, client, pop));
            }
            if (o.jfr && o.phases.contains("latency")) {
                Path file = o.workDir.resolve("relay-" + relayCount + ".jfr");
                relay.jvm.jcmd("JFR.dump", "name=bench", "filename=" + file);
                relay.jvm.jcmd("JFR.stop", "name=bench");
                main.put("jfr", JfrSummary.summarize(file, 15));
                main.put("jfrFile", file.toString());
                progress("JFR recording %s", file);
            }
            main.put("sessionsClosedBySlowness", client.closedTooSlow.get());
            if (o.phases.contains("resume")) {
                int slowBefore = client.closedTooSlow.get();
                Map<String, Object> resume = resume(relay, client);
                resume.put("resumeSessionClosedTooSlow", client.closedTooSlow.get() > slowBefore);
                main.put("resume", resume);
            }
            main.put("sessionsClosedByServer", client.closedByServer.get());
            main.put("errorFrames", client.errorFrames.get());
            main.put("relayCpuSecondsTotal", round2(relay.jvm.cpuSeconds()));
            main.put("relayThreads", relay.jvm.threads());
            main.put("relayReadiness", relay.readiness());
            main.put("producerErrors", producer.errors());
            client.closeAll();
        }
    }

    /** One measured interval at a paced rate. */
    private final class Step {
        String name;
        double offered;
        double produced;
        double seconds;
        long sent;
        long delivered;
        double deliveredPerSecond;
        double relayCpuSeconds;
        double benchCpuSeconds;
        double brokerCpuSeconds;
        double otherCores;
        boolean drained;
        Histogram histogram;
        boolean sustained;
        /** From the relay's own histogram: record timestamp to frame written, upper bucket bound in ms; NaN if none. */
        double relayP50 = Double.NaN;
        double relayP99 = Double.NaN;

        double msgsPerCpuSecond() {
            return delivered / Math.max(relayCpuSeconds, 1e-9);
        }

        double ms(double percentile) {
            return histogram.getValueAtPercentile(percentile) / 1000.0;
        }

        String line() {
            return String.format(Locale.ROOT, "offered %,.0f/s produced %,.0f/s delivered %,.0f/s; relay %.2f cores, "
                            + "%,.0f msg/CPU-s; p50 %.2f p99 %.2f p99.9 %.2f max %.1f ms; broker %.2f, bench %.2f, "
                            + "others %.2f cores%s", offered, produced,
                    deliveredPerSecond, relayCpuSeconds / seconds, msgsPerCpuSecond(), ms(50), ms(99), ms(99.9),
                    histogram.getMaxValue() / 1000.0, brokerCpuSeconds / seconds, benchCpuSeconds / seconds, otherCores,
                    sustained ? "" : "  (not sustained)")
                    + (Double.isNaN(relayP99) ? "" : String.format(Locale.ROOT,
                            "; relay's own record-to-written p50 <= %.1f p99 <= %.1f ms", relayP50, relayP99));
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("offeredPerSecond", round1(offered));
            m.put("producedPerSecond", round1(produced));
            m.put("seconds", round2(seconds));
            m.put("sent", sent);
            m.put("delivered", delivered);
            m.put("deliveredPerSecond", round1(deliveredPerSecond));
            m.put("relayCpuSeconds", round2(relayCpuSeconds));
            m.put("relayCores", round2(relayCpuSeconds / seconds));
            m.put("deliveredPerRelayCpuSecond", round1(msgsPerCpuSecond()));
            m.put("benchCpuSeconds", round2(benchCpuSeconds));
            m.put("brokerCpuSeconds", round2(brokerCpuSeconds));
            m.put("otherProcessesCores", round2(otherCores));
            m.put("drained", drained);
            m.put("sustained", sustained);
            Map<String, Object> lat = new LinkedHashMap<>();
            lat.put("count", histogram.getTotalCount());
            lat.put("p50", round3(ms(50)));
            lat.put("p90", round3(ms(90)));
            lat.put("p99", round3(ms(99)));
            lat.put("p999", round3(ms(99.9)));
            lat.put("max", round3(histogram.getMaxValue() / 1000.0));
            lat.put("mean", round3(histogram.getMean() / 1000.0));
            m.put("latencyMs", lat);
            if (!Double.isNaN(relayP99)) {
                Map<String, Object> own = new LinkedHashMap<>();
                own.put("p50AtMost", round3(relayP50));
                own.put("p99AtMost", round3(relayP99));
                m.put("relayRecordToWrittenMs", own);
            }
            return m;
        }
    }

    private Step step(Relay relay, WsLoadClient client, Recorder latency, Population pop, double rate, double seconds,
                      String name) {
        waitQuiet(relay, name);
        Step s = new Step();
        s.name = name;
        s.offered = rate;
        latency.getIntervalHistogram(); // forget what came before
        java.util.TreeMap<Double, Long> relayBefore = relay.deliveryLatencyBuckets();
        long delivered0 = client.events();
        double cpu0 = relay.jvm.cpuSeconds();
        double bench0 = ChildJvm.cpuSecondsOf(ProcessHandle.current().pid());
        double broker0 = broker.cpuSeconds();
        double machine0 = machineBusySeconds();
        long t0 = System.nanoTime();
        LoadProducer.Paced paced = producer.paced(rate, seconds, pop.targets, pop.keys, name + "-");
        pop.expected += paced.sent();
        s.seconds = (System.nanoTime() - t0) / 1e9;
        s.delivered = client.events() - delivered0;
        s.relayCpuSeconds = relay.jvm.cpuSeconds() - cpu0;
        s.benchCpuSeconds = ChildJvm.cpuSecondsOf(ProcessHandle.current().pid()) - bench0;
        s.brokerCpuSeconds = broker.cpuSeconds() - broker0;
        s.otherCores = Math.max(0, (machineBusySeconds() - machine0 - s.relayCpuSeconds - s.benchCpuSeconds
                - s.brokerCpuSeconds) / s.seconds);
        if (s.otherCores > 0.25) {
            notes.add(String.format(Locale.ROOT, "%s step at %.0f/s: other processes used %.2f cores (noisy)", name,
                    rate, s.otherCores));
        }
        s.sent = paced.sent();
        s.produced = paced.achievedRate();
        s.deliveredPerSecond = s.delivered / s.seconds;
        s.drained = awaitDelivered(client, pop.expected, Duration.ofSeconds(5));
        // what arrived during the drain counts for latency (it is the tail), not for the rate of the window
        s.histogram = latency.getIntervalHistogram();
        relayPercentiles(s, relayBefore, relay.deliveryLatencyBuckets());
        s.sustained = s.drained && s.produced >= 0.97 * rate && s.deliveredPerSecond >= 0.95 * rate
                && s.ms(99) <= 250 && client.closedTooSlow.get() == 0;
        if (!s.drained) {
            // resynchronise: whatever never arrives is lost to this population
            pop.expected = client.events();
        }
        return s;
    }

    /** BENCH_BROKER_JVM_OPTS adds to the broker's JVM options (e.g. a GC log, to explain a latency spike). */
    private static List<String> brokerJvmOptions() {
        List<String> options = new ArrayList<>(List.of("-Xms512m", "-Xmx1g", "-XX:+UseG1GC"));
        String extra = System.getenv("BENCH_BROKER_JVM_OPTS");
        if (extra != null && !extra.isBlank()) {
            options.addAll(List.of(extra.trim().split("\\s+")));
        }
        return options;
    }

    /** The 100 ms slices of the step (by intended send time) whose worst latency passed 10 ms. */
    private void printTimeline(WsLoadClient client, Step run) {
        long nowNanos = System.nanoTime();
        long wallNow = System.currentTimeMillis();
        int last = (int) ((nowNanos - client.startNanos) / 100_000_000L);
        int first = Math.max(0, last - (int) Math.ceil((run.seconds + 6) * 10));
        int slow = 0;
        for (int b = first; b <= last && b < client.worstBySendTime.length(); b++) {
            long worst = client.worstBySendTime.get(b);
            if (worst > 10_000) {
                slow++;
                long wall = wallNow - (nowNanos - client.startNanos - b * 100_000_000L) / 1_000_000L;
                System.out.printf(Locale.ROOT, "  timeline %s worst %.1f ms (broker ack %.1f ms)%n",
                        java.time.LocalTime.ofInstant(java.time.Instant.ofEpochMilli(wall), java.time.ZoneId.systemDefault()),
                        worst / 1000.0, producer.worstAckBySendTime.get(b) / 1000.0);
            }
        }
        System.out.printf(Locale.ROOT, "  timeline: %d of %d slices of 100 ms had an event over 10 ms%n", slow,
                last - first + 1);
    }

    /** Percentiles of the step from two scrapes of the relay's cumulative histogram (bucket upper bounds). */
    private static void relayPercentiles(Step s, java.util.TreeMap<Double, Long> before,
                                         java.util.TreeMap<Double, Long> after) {
        if (after.isEmpty()) {
            return;
        }
        long total = after.lastEntry().getValue() - before.getOrDefault(after.lastKey(), 0L);
        if (total <= 0) {
            return;
        }
        for (Map.Entry<Double, Long> bucket : after.entrySet()) {
            long below = bucket.getValue() - before.getOrDefault(bucket.getKey(), 0L);
            if (Double.isNaN(s.relayP50) && below >= 0.50 * total) {
                s.relayP50 = bucket.getKey() * 1000;
            }
            if (Double.isNaN(s.relayP99) && below >= 0.99 * total) {
                s.relayP99 = bucket.getKey() * 1000;
            }
        }
    }

    private boolean awaitDelivered(WsLoadClient client, long expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (client.events() < expected && System.nanoTime() < deadline) {
            WsLoadClient.sleep(5);
        }
        return client.events() >= expected;
    }

    private double ramp(Relay relay, WsLoadClient client, Recorder latency, Population pop, Map<String, Object> main) {
        List<Map<String, Object>> steps = new ArrayList<>();
        double rate = o.rampStart;
        double best = 0;
        double failedAt = 0;
        for (int i = 0; i < o.rampMaxSteps; i++) {
            Step s = step(relay, client, latency, pop, rate, o.rampStepSeconds, "ramp");
            progress("ramp %s", s.line());
            steps.add(s.toMap());
            if (!s.sustained) {
                failedAt = rate;
                break;
            }
            best = rate;
            rate = Math.round(rate * o.rampFactor / 100) * 100.0;
            settle(client, pop);
        }
        if (o.rampRefine && best > 0 && failedAt > 0) {
            double mid = Math.round((best + failedAt) / 2 / 100) * 100.0;
            settle(client, pop);
            Step s = step(relay, client, latency, pop, mid, o.rampStepSeconds, "ramp");
            progress("ramp (refine) %s", s.line());
            steps.add(s.toMap());
            if (s.sustained) {
                best = mid;
            }
        }
        if (best == 0) {
            notes.add("no ramp step was sustained; latency measured at half the first step");
            best = o.rampStart;
        }
        main.put("ramp", steps);
        main.put("maxSustainedPerSecond", best);
        main.put("firstUnsustainedPerSecond", failedAt);
        settle(client, pop);
        return best;
    }

    /** With --wait-quiet: waits (bounded) until processes other than ours use less than 0.3 cores. */
    private void waitQuiet(Relay relay, String name) {
        if (o.waitQuietSeconds <= 0) {
            return;
        }
        long deadline = System.nanoTime() + (long) (o.waitQuietSeconds * 1e9);
        double others = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() < deadline) {
            double m0 = machineBusySeconds();
            double own0 = relay.jvm.cpuSeconds() + broker.cpuSeconds() + ChildJvm.cpuSecondsOf(ProcessHandle.current().pid());
            WsLoadClient.sleep(1000);
            double own = relay.jvm.cpuSeconds() + broker.cpuSeconds() + ChildJvm.cpuSecondsOf(ProcessHandle.current().pid())
                    - own0;
            others = machineBusySeconds() - m0 - own;
            if (others < 0.3) {
                break;
            }
        }
        double waited = (System.nanoTime() - t0) / 1e9;
        if (waited > 1.5) {
            notes.add(String.format(Locale.ROOT, "%s: waited %.0f s for a quiet machine (others at %.2f cores)", name,
                    waited, others));
        }
    }

    /** Lets a backlog drain (and the relay's queues empty) between measurements. */
    private void settle(WsLoadClient client, Population pop) {
        awaitDelivered(client, pop.expected, Duration.ofSeconds(10));
        WsLoadClient.sleep(500);
    }

    private Map<String, Object> burst(Relay relay, WsLoadClient client, Population pop) {
        settle(client, pop);
        waitQuiet(relay, "burst");
        long delivered0 = client.events();
        double cpu0 = relay.jvm.cpuSeconds();
        double broker0 = broker.cpuSeconds();
        double bench0 = ChildJvm.cpuSecondsOf(ProcessHandle.current().pid());
        double machine0 = machineBusySeconds();
        long t0 = System.nanoTime();
        LoadProducer.Paced sent = producer.burst(o.burstEvents, pop.targets, pop.keys, "burst-");
        pop.expected += sent.sent();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        long lastCount = -1;
        long lastProgress = System.nanoTime();
        while (client.events() < pop.expected && System.nanoTime() < deadline) {
            long now = client.events();
            if (now != lastCount) {
                lastCount = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(10)) {
                break;
            }
            WsLoadClient.sleep(5);
        }
        long delivered = client.events() - delivered0;
        long end = client.lastEventNanos();
        double seconds = (end - t0) / 1e9;
        double cpu = relay.jvm.cpuSeconds() - cpu0;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("events", o.burstEvents);
        m.put("producerSeconds", round2(sent.seconds()));
        m.put("producerPerSecond", round1(sent.achievedRate()));
        m.put("delivered", delivered);
        m.put("seconds", round2(seconds));
        m.put("deliveredPerSecond", round1(delivered / seconds));
        m.put("relayCpuSeconds", round2(cpu));
        m.put("relayCores", round2(cpu / seconds));
        m.put("deliveredPerRelayCpuSecond", round1(delivered / Math.max(cpu, 1e-9)));
        m.put("brokerCpuSeconds", round2(broker.cpuSeconds() - broker0));
        double benchCpu = ChildJvm.cpuSecondsOf(ProcessHandle.current().pid()) - bench0;
        double brokerCpu = broker.cpuSeconds() - broker0;
        m.put("benchCpuSeconds", round2(benchCpu));
        double others = Math.max(0, (machineBusySeconds() - machine0 - cpu - benchCpu - brokerCpu)
                / ((System.nanoTime() - t0) / 1e9));
        m.put("otherProcessesCores", round2(others));
        if (others > 0.25) {
            notes.add(String.format(Locale.ROOT, "burst: other processes used %.2f cores (noisy)", others));
        }
        m.put("sessionsClosedBySlowness", client.closedTooSlow.get());
        progress("burst %,d events: producer %,.0f/s; delivered %,d in %.2f s = %,.0f/s; relay %.2f cores, %,.0f msg/CPU-s",
                o.burstEvents, sent.achievedRate(), delivered, seconds, delivered / seconds, cpu / seconds,
                delivered / Math.max(cpu, 1e-9));
        if (delivered < sent.sent()) {
            notes.add("burst: " + (sent.sent() - delivered) + " events not delivered");
            pop.expected = client.events();
        }
        return m;
    }

    /** A client misses {@code resumeEvents} while disconnected, then resumes from its last cursors. */
    private Map<String, Object> resume(Relay relay, WsLoadClient client) {
        Map<String, Object> m = new LinkedHashMap<>();
        String lob = "lob-resume";
        List<LoadProducer.Target> targets = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        StringBuilder contacts = new StringBuilder();
        for (int i = 0; i < o.resumeContacts; i++) {
            String contact = contactId(900_000_000 + i);
            targets.add(new LoadProducer.Target(lob, contact));
            keys.add(contact.getBytes(StandardCharsets.US_ASCII));
            contacts.append(i == 0 ? "\"" : ",\"").append(contact).append('"');
        }
        String auth = "{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(SECRET).lob(lob).sign() + "\"}";
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", relay.port);

        // 1: connected, receives a few events, remembers the last cursor of each partition
        Map<Integer, String> lastCursor = new ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger before = new java.util.concurrent.atomic.AtomicInteger();
        Semaphore subscribed = new Semaphore(0);
        WsLoadClient.Conn first = client.open(new WsLoadClient.Spec(address, "/v1/ws", auth,
                "{\"type\":\"subscribe\",\"contacts\":[" + contacts + "]}", frame -> {
                    JsonNode node = parse(frame);
                    if ("event".equals(node.path("type").asText())) {
                        String cursor = node.path("cursor").asText();
                        Cursor.decode(cursor).ifPresent(c -> lastCursor.put(c.partition(), cursor));
                        before.incrementAndGet();
                    }
                }), subscribed);
        acquire(subscribed, 30);
        if (!first.isReady()) {
            m.put("error", "resume client could not subscribe: " + client.lastFailure);
            return m;
        }
        int warm = 50;
        producer.burst(warm, targets, keys, "resume-before-");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (before.get() < warm && System.nanoTime() < deadline) {
            WsLoadClient.sleep(10);
        }
        first.close();
        WsLoadClient.sleep(300);

        // 2: while it is away, the events it will have to catch up on
        producer.burst(o.resumeEvents, targets, keys, "resume-missed-");

        // 3: reconnects with its cursors and waits for all of them
        Set<String> missed = ConcurrentHashMap.newKeySet();
        List<String> controlFrames = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicReference<String> error = new AtomicReference<>();
        StringBuilder cursors = new StringBuilder();
        new TreeMap<>(lastCursor).values().forEach(c -> cursors.append(cursors.length() == 0 ? "\"" : ",\"")
                .append(c).append('"'));
        Semaphore resubscribed = new Semaphore(0);
        long[] lastArrival = {0};
        long t0 = System.nanoTime();
        WsLoadClient.Conn second = client.open(new WsLoadClient.Spec(address, "/v1/ws", auth,
                "{\"type\":\"subscribe\",\"contacts\":[" + contacts + "],\"cursors\":[" + cursors + "]}", frame -> {
                    JsonNode node = parse(frame);
                    String type = node.path("type").asText();
                    if ("event".equals(type) && node.path("id").asText().startsWith("resume-missed-")) {
                        missed.add(node.path("id").asText());
                        lastArrival[0] = System.nanoTime();
                    } else if ("error".equals(type)) {
                        error.compareAndSet(null, node.path("code").asText() + ": " + node.path("message").asText());
                    }
                    if (!"event".equals(type) && controlFrames.size() < 5) {
                        controlFrames.add(frame.length() > 300 ? frame.substring(0, 300) + "..." : frame);
                    }
                }), resubscribed);
        acquire(resubscribed, 30);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (missed.size() < o.resumeEvents && System.nanoTime() < deadline) {
            if (error.get() != null && error.get().startsWith("resume_unavailable")) {
                WsLoadClient.sleep(1000); // a server that cannot resume sends nothing more; do not wait a minute
                break;
            }
            WsLoadClient.sleep(5);
        }
        second.close();
        m.put("missedEvents", o.resumeEvents);
        m.put("controlFrames", controlFrames);
        m.put("secondClientSubscribed", second.isReady() || !controlFrames.isEmpty());
        m.put("cursorsSent", lastCursor.size());
        m.put("caughtUp", missed.size());
        if (error.get() != null) {
            m.put("serverError", error.get());
        }
        if (missed.size() >= o.resumeEvents) {
            double ms = (lastArrival[0] - t0) / 1e6;
            m.put("catchUpMs", round1(ms));
            m.put("eventsPerSecond", round1(o.resumeEvents / (ms / 1000)));
            progress("resume: %,d missed events caught up in %.0f ms", o.resumeEvents, ms);
        } else {
            m.put("catchUpMs", null);
            String why = error.get() != null && error.get().startsWith("resume_unavailable")
                    ? "n/a (not implemented yet: server answered " + error.get() + ")"
                    : "incomplete: " + missed.size() + " of " + o.resumeEvents + " within 60 s";
            m.put("status", why);
            progress("resume: %s", why);
        }
        return m;
    }

    private static JsonNode parse(String frame) {
        try {
            return JSON.readTree(frame);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static void acquire(Semaphore semaphore, int seconds) {
        try {
            semaphore.tryAcquire(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Object> rawPhase() {
        Map<String, Object> m = new LinkedHashMap<>();
        int repeats = "smoke".equals(o.profile) ? 1 : "full".equals(o.profile) ? 3 : 2;
        m.put("repeats", repeats);
        for (boolean decode : new boolean[]{false, true}) {
            // best of a few: on a shared 2-core machine a read is slowed by whatever else runs, never sped up
            RawConsumer.Result r = null;
            for (int i = 0; i < repeats; i++) {
                RawConsumer.Result attempt = RawConsumer.read(bootstrap, TOPIC, o.rawMaxRecords, decode);
                if (r == null || attempt.recordsPerSecond() > r.recordsPerSecond()) {
                    r = attempt;
                }
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("records", r.records());
            e.put("seconds", round2(r.seconds()));
            e.put("recordsPerSecond", round1(r.recordsPerSecond()));
            e.put("consumerJvmCpuSeconds", round2(r.cpuSeconds()));
            e.put("recordsPerCpuSecond", round1(r.records() / Math.max(r.cpuSeconds(), 1e-9)));
            if (decode) {
                e.put("accepted", r.accepted());
            }
            m.put(decode ? "withDecode" : "plain", e);
            progress("raw consumer%s: %,d records in %.2f s = %,.0f records/s (%,.0f per CPU-s of this JVM)",
                    decode ? " + EnvelopeDecoder" : "", r.records(), r.seconds(), r.recordsPerSecond(),
                    r.records() / Math.max(r.cpuSeconds(), 1e-9));
        }
        return m;
    }

    /**
     * Serve anywhere's read amplification: every node reads the whole topic for its sessions. A node with no
     * session reads {@code readCostRate} events/s in owner mode (one consumer: the group's read) and in the default
     * anywhere mode (the delivery reader plus, as the only member, the group's read); the difference is what each
     * node's delivery reader costs.
     */
    private Map<String, Object> readCostPhase() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<LoadProducer.Target> targets = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            String contact = contactId(9_000_000 + i);
            targets.add(new LoadProducer.Target("lob-nobody", contact));
            keys.add(contact.getBytes(StandardCharsets.US_ASCII));
        }
        m.put("eventsPerSecond", o.readCostRate);
        m.put("recordBytes", o.notificationBytes);
        for (String mode : List.of("owner", "anywhere")) {
            Map<String, String> saved = new LinkedHashMap<>(o.relayEnv);
            o.relayEnv.put("RELAY_MODE", mode);
            try (Relay relay = new Relay(o.groupProtocol)) {
                // warm-up as long as the measurement: JIT and GC settle, so the idle figure after is the floor
                producer.paced(o.readCostRate, o.readCostSeconds, targets, keys, "readcost-warm-");
                double cpu0 = relay.jvm.cpuSeconds();
                LoadProducer.Paced paced = producer.paced(o.readCostRate, o.readCostSeconds, targets, keys, "readcost-");
                double cores = (relay.jvm.cpuSeconds() - cpu0) / paced.seconds();
                WsLoadClient.sleep(1000);
                double idle0 = relay.jvm.cpuSeconds();
                long idleT0 = System.nanoTime();
                WsLoadClient.sleep(4000);
                double idle = (relay.jvm.cpuSeconds() - idle0) / ((System.nanoTime() - idleT0) / 1e9);
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("idleCores", round3(idle));
                e.put("cores", round3(cores));
                e.put("cpuMicrosPerEvent", round1(cores / paced.achievedRate() * 1e6));
                m.put(mode, e);
                // with fetch.max.wait.ms=2 an idle consumer still fetches ~500 times a second: the idle figure is
                // that loop, so cores per event include it
                progress("serve-anywhere read cost, %s mode: a node with no sessions reading %,.0f events/s uses "
                        + "%.3f cores (%.3f with the topic idle), %.1f µs of CPU per event", mode,
                        paced.achievedRate(), cores, idle, cores / paced.achievedRate() * 1e6);
            } finally {
                o.relayEnv.clear();
                o.relayEnv.putAll(saved);
            }
        }
        return m;
    }

    private Map<String, Object> memoryPhase() {
        Map<String, Object> m = new LinkedHashMap<>();
        long fdLimit = openFileLimit();
        int cap = (int) Math.max(100, fdLimit - 700);
        m.put("openFileLimit", fdLimit);
        m.put("server", o.relayMain);
        List<Map<String, Object>> points = new ArrayList<>();
        // native memory tracking (summary: a few % overhead, this node only) splits RSS into heap, NIO buffers, threads
        try (Relay relay = new Relay(o.groupProtocol, List.of("-XX:NativeMemoryTracking=summary"));
             WsLoadClient client = new WsLoadClient(o.clientThreads, null)) {
            WsLoadClient.sleep(1000);
            long heap0 = relay.jvm.heapUsedAfterGcKb();
            long rss0 = relay.jvm.rssKb();
            Map<String, Long> nmt0 = nativeMemory(relay.jvm.jcmd("VM.native_memory", "summary"));
            m.put("baselineHeapKb", heap0);
            m.put("baselineRssKb", rss0);
            m.put("jvmOptions", relayJvmOptions());
            progress("memory baseline: heap after GC %,d KiB, RSS %,d KiB", heap0, rss0);
            int open = 0;
            Population last = null;
            for (int wanted : o.memorySessions) {
                int target = Math.min(wanted, cap);
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("requestedSessions", wanted);
                if (target < wanted) {
                    String why = "capped at " + target + " sessions: RLIMIT_NOFILE is " + fdLimit
                            + " for the relay and the client (raise it with ulimit -n; needs CAP_SYS_RESOURCE)";
                    p.put("capped", why);
                    notes.add("memory: " + why);
                }
                if (target > open) {
                    last = new Population(client, relay.port, 1_000_000 + open * o.contactsPerSession, target - open);
                    open = target;
                }
                WsLoadClient.sleep(1500);
                long heap = relay.jvm.heapUsedAfterGcKb();
                long rss = relay.jvm.rssKb();
                p.put("sessions", open);
                p.put("heapAfterGcKb", heap);
                p.put("rssKb", rss);
                p.put("heapBytesPerSession", round1((heap - heap0) * 1024.0 / open));
                p.put("rssBytesPerSession", round1((rss - rss0) * 1024.0 / open));
                p.put("relayThreads", relay.jvm.threads());
                points.add(p);
                progress("memory @ %,d idle sessions: heap after GC %,d KiB (%,.0f B/session), RSS %,d KiB (%,.0f B/session)",
                        open, heap, (heap - heap0) * 1024.0 / open, rss, (rss - rss0) * 1024.0 / open);
            }
            m.put("points", points);
            m.put("maxSessionsHeld", client.ready.get());
            if (open > 0) {
                Map<String, Long> nmt = nativeMemory(relay.jvm.jcmd("VM.native_memory", "summary"));
                Map<String, Object> perSession = new LinkedHashMap<>();
                for (Map.Entry<String, Long> e : nmt.entrySet()) {
                    long delta = e.getValue() - nmt0.getOrDefault(e.getKey(), 0L);
                    if (Math.abs(delta) * 1024 / open >= 16) {
                        perSession.put(e.getKey(), round1(delta * 1024.0 / open));
                    }
                }
                m.put("nativeMemoryCommittedBytesPerSession", perSession);
                String histogram = relay.jvm.jcmd("GC.class_histogram");
                try {
                    Files.writeString(o.workDir.resolve("memory-class-histogram.txt"), histogram);
                } catch (IOException e) {
                    // the summary below is enough
                }
                m.put("classHistogramTop", classHistogram(histogram, open, 25));
            }
            if (last != null) {
                // every session still works: one event each to the newest batch
                long before = client.events();
                int n = Math.min(last.targets.size(), 20_000);
                producer.burst(n, last.targets.subList(0, n), last.keys.subList(0, n), "memcheck-");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (client.events() - before < n && System.nanoTime() < deadline) {
                    WsLoadClient.sleep(10);
                }
                m.put("deliveryCheck", Map.of("sent", n, "delivered", client.events() - before));
            }
            client.closeAll();
        }
        return m;
    }

    /** Committed KiB per NMT category, from {@code jcmd VM.native_memory summary}. */
    static Map<String, Long> nativeMemory(String summary) {
        Map<String, Long> m = new LinkedHashMap<>();
        java.util.regex.Matcher matcher = java.util.regex.Pattern
                .compile("-\\s+([A-Za-z ]+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)").matcher(summary);
        while (matcher.find()) {
            m.put(matcher.group(1).trim(), Long.parseLong(matcher.group(2)));
        }
        return m;
    }

    /** The biggest classes of a {@code GC.class_histogram}, with bytes per session. */
    static List<String> classHistogram(String histogram, int sessions, int top) {
        List<String> rows = new ArrayList<>();
        for (String line : histogram.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                long instances = Long.parseLong(f[1]);
                long bytes = Long.parseLong(f[2]);
                rows.add(String.format(Locale.ROOT, "%8.1f B/session %7.2f inst/session %s", bytes / (double) sessions,
                        instances / (double) sessions, f[3]));
                if (rows.size() == top) {
                    break;
                }
            }
        }
        return rows;
    }

    /** The latency run again with the other group protocol, on a fresh node. */
    private Map<String, Object> protocolPhase(Map<String, Object> main) {
        Map<String, Object> m = new LinkedHashMap<>();
        String other = "classic".equals(o.groupProtocol) ? "consumer" : "classic";
        Object latency = main.get("latency");
        double rate = latency instanceof Map<?, ?> l ? ((Number) l.get("offeredPerSecond")).doubleValue()
                : 2 * o.warmupRate;
        Map<String, Object> first = new LinkedHashMap<>();
        first.put("readySeconds", main.get("readySeconds"));
        first.put("latency", latency);
        m.put(o.groupProtocol, first);
        Recorder recorder = new Recorder(3);
        try (Relay relay = new Relay(other); WsLoadClient client = new WsLoadClient(o.clientThreads, recorder)) {
            Population pop = new Population(client, relay.port, 2_000_000, o.sessions);
            // warm up at the measured rate, as the ramp did for the first node: the first young collection
            // after 10,000 connections promotes them all (100-200 ms) and must not land in the measured window
            step(relay, client, recorder, pop, rate, Math.max(o.warmupSeconds, 15), "warmup2");
            Step s = step(relay, client, recorder, pop, rate, o.protocolSeconds, "protocol");
            progress("%s protocol: %s", other, s.line());
            Map<String, Object> second = new LinkedHashMap<>();
            second.put("readySeconds", round2(relay.readySeconds));
            second.put("latency", s.toMap());
            m.put(other, second);
            client.closeAll();
        }
        return m;
    }

    // ---------------------------------------------------------------- summary

    @SuppressWarnings("unchecked")
    private Map<String, Object> summary() {
        Map<String, Object> s = new LinkedHashMap<>();
        Map<String, Object> relay = (Map<String, Object>) results.get("relay");
        Map<String, Object> raw = (Map<String, Object>) results.get("raw");
        Map<String, Object> latency = relay == null ? null : (Map<String, Object>) relay.get("latency");
        Map<String, Object> burst = relay == null ? null : (Map<String, Object>) relay.get("burst");
        Double rawRate = raw == null ? null : num(((Map<String, Object>) raw.get("plain")).get("recordsPerSecond"));
        Double maxSustained = relay == null ? null : num(relay.get("maxSustainedPerSecond"));
        Double burstRate = burst == null ? null : num(burst.get("deliveredPerSecond"));
        s.put("rawRecordsPerSecond", rawRate);
        s.put("relayMaxSustainedPerSecond", maxSustained);
        s.put("relayBurstDeliveredPerSecond", burstRate);
        Double relayBest = max(maxSustained, burstRate);
        if (rawRate != null && relayBest != null) {
            s.put("ratioRelayToRaw", round3(relayBest / rawRate));
            s.put("ratioMet", relayBest / rawRate >= TARGET_RATIO);
        }
        if (latency != null) {
            Map<String, Object> lat = (Map<String, Object>) latency.get("latencyMs");
            s.put("latencyRatePerSecond", latency.get("offeredPerSecond"));
            s.put("latencyMs", lat);
            s.put("latencyMet", num(lat.get("p50")) <= TARGET_P50_MS && num(lat.get("p99")) <= TARGET_P99_MS
                    && num(lat.get("p999")) <= TARGET_P999_MS);
            s.put("deliveredPerRelayCpuSecondAtLatencyRate", latency.get("deliveredPerRelayCpuSecond"));
        }
        Double perCpu = burst == null ? null : num(burst.get("deliveredPerRelayCpuSecond"));
        if (perCpu != null) {
            s.put("deliveredPerRelayCpuSecondAtMax", perCpu);
            s.put("cpuMet", perCpu >= TARGET_MSGS_PER_CPU_S);
        }
        Map<String, Object> memory = (Map<String, Object>) results.get("memory");
        if (memory != null && memory.get("points") instanceof List<?> points && !points.isEmpty()) {
            double worst = 0;
            for (Object p : points) {
                worst = Math.max(worst, num(((Map<String, Object>) p).get("heapBytesPerSession")));
            }
            s.put("heapBytesPerIdleSessionWorst", worst);
            s.put("heapMet", worst <= TARGET_HEAP_PER_SESSION);
            s.put("maxSessionsHeld", memory.get("maxSessionsHeld"));
            s.put("sessionsMet", ((Number) memory.get("maxSessionsHeld")).intValue() >= TARGET_SESSIONS);
        }
        Map<String, Object> resume = relay == null ? null : (Map<String, Object>) relay.get("resume");
        if (resume != null) {
            s.put("resumeCatchUpMs", resume.get("catchUpMs"));
        }
        return s;
    }

    private static Double max(Double a, Double b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return Math.max(a, b);
    }

    private static Double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : null;
    }

    @SuppressWarnings("unchecked")
    private void printTable() {
        Map<String, Object> machine = (Map<String, Object>) results.get("machine");
        Map<String, Object> s = (Map<String, Object>) results.getOrDefault("summary", Map.of());
        Map<String, Object> relay = (Map<String, Object>) results.getOrDefault("relay", Map.of());
        Map<String, Object> raw = (Map<String, Object>) results.get("raw");
        out.println();
        out.printf(Locale.ROOT, "Notify Relay bench, profile %s: %s cores (%s), %s GiB, %s, relay GC %s, %s group protocol,"
                        + " %s sessions over %d LOBs, %d-byte notifications, %d partitions%n", o.profile,
                machine.get("cores"), machine.get("cpuModel"), machine.get("memoryGiB"), machine.get("jvm"), o.gc,
                o.groupProtocol, relay.getOrDefault("sessions", o.sessions), o.lobs, o.notificationBytes, o.partitions);
        String fmt = "%-52s %-26s %-18s %s%n";
        out.printf(Locale.ROOT, fmt, "figure", "measured", "target", "");
        out.println("-".repeat(110));
        Map<String, Object> readCost = (Map<String, Object>) results.get("readCost");
        if (readCost != null) {
            Map<String, Object> owner = (Map<String, Object>) readCost.get("owner");
            Map<String, Object> anywhere = (Map<String, Object>) readCost.get("anywhere");
            row(fmt, "serve-anywhere read cost (cores, owner/anywhere)", String.format(Locale.ROOT, "%.3f / %.3f",
                    num(owner.get("cores")), num(anywhere.get("cores"))), "", String.format(Locale.ROOT,
                    "1 node, no sessions, %.0f events/s; %.1f / %.1f µs CPU per event", num(readCost.get("eventsPerSecond")),
                    num(owner.get("cpuMicrosPerEvent")), num(anywhere.get("cpuMicrosPerEvent"))));
        }
        if (raw != null) {
            Map<String, Object> plain = (Map<String, Object>) raw.get("plain");
            Map<String, Object> dec = (Map<String, Object>) raw.get("withDecode");
            row(fmt, "raw KafkaConsumer (records/s)", f0(plain.get("recordsPerSecond")), "", "");
            row(fmt, "raw KafkaConsumer + EnvelopeDecoder (records/s)", f0(dec.get("recordsPerSecond")), "", "");
        }
        row(fmt, "relay max sustained, 1 session/event (msg/s)", f0(s.get("relayMaxSustainedPerSecond")), "", "");
        row(fmt, "relay burst drain, 1 session/event (msg/s)", f0(s.get("relayBurstDeliveredPerSecond")), "", "");
        if (s.containsKey("ratioRelayToRaw")) {
            row(fmt, "ratio relay/raw (best relay figure)", String.format(Locale.ROOT, "%.2f", num(s.get("ratioRelayToRaw"))),
                    ">= 0.5", ok(s.get("ratioMet")));
        }
        Map<String, Object> lat = (Map<String, Object>) s.get("latencyMs");
        if (lat != null) {
            row(fmt, "latency at " + f0(s.get("latencyRatePerSecond")) + " msg/s: p50 / p99 / p99.9 / max (ms)",
                    String.format(Locale.ROOT, "%.2f / %.2f / %.2f / %.1f", num(lat.get("p50")), num(lat.get("p99")),
                            num(lat.get("p999")), num(lat.get("max"))), "3 / 10 / 30", ok(s.get("latencyMet")));
            Map<String, Object> l = (Map<String, Object>) relay.get("latency");
            row(fmt, "  delivered msg/s; relay CPU (cores)", f0(l.get("deliveredPerSecond")) + "; "
                    + l.get("relayCores"), "", "");
            row(fmt, "delivered msg per relay CPU-s at that rate", f0(l.get("deliveredPerRelayCpuSecond")), "", "");
        }
        if (s.containsKey("deliveredPerRelayCpuSecondAtMax")) {
            Map<String, Object> b = (Map<String, Object>) relay.get("burst");
            row(fmt, "delivered msg per relay CPU-s at max (burst)", f0(s.get("deliveredPerRelayCpuSecondAtMax")),
                    ">= 60,000", ok(s.get("cpuMet")));
            row(fmt, "  relay CPU-s for the burst; cores used", b.get("relayCpuSeconds") + "; " + b.get("relayCores"),
                    "", "");
        }
        Map<String, Object> memory = (Map<String, Object>) results.get("memory");
        if (memory != null && memory.get("points") instanceof List<?> points) {
            for (Object p : points) {
                Map<String, Object> point = (Map<String, Object>) p;
                String label = String.format(Locale.ROOT, "idle session @ %,d: heap / RSS (bytes/session)",
                        ((Number) point.get("sessions")).intValue());
                row(fmt, label, f0(point.get("heapBytesPerSession")) + " / " + f0(point.get("rssBytesPerSession")),
                        "heap <= 2,048", ok(num(point.get("heapBytesPerSession")) <= TARGET_HEAP_PER_SESSION)
                                + (point.containsKey("capped") ? " (capped: fd limit)" : ""));
            }
            row(fmt, "concurrent sessions held by one node", f0(memory.get("maxSessionsHeld")), ">= 50,000",
                    ok(s.get("sessionsMet")));
        }
        Map<String, Object> resume = (Map<String, Object>) relay.get("resume");
        if (resume != null) {
            Object ms = resume.get("catchUpMs");
            row(fmt, "resume: catch up after " + resume.get("missedEvents") + " missed events (ms)",
                    ms != null ? f0(ms) : String.valueOf(resume.get("status")), "", "");
        }
        Map<String, Object> protocols = (Map<String, Object>) results.get("protocols");
        if (protocols != null) {
            protocols.forEach((name, value) -> {
                Map<String, Object> v = (Map<String, Object>) value;
                Map<String, Object> l = (Map<String, Object>) v.get("latency");
                if (l != null) {
                    Map<String, Object> ll = (Map<String, Object>) l.get("latencyMs");
                    row(fmt, "group protocol " + name + ": ready s; p50/p99 ms; msg/CPU-s",
                            v.get("readySeconds") + "; " + ll.get("p50") + " / " + ll.get("p99") + "; "
                                    + f0(l.get("deliveredPerRelayCpuSecond")), "", "");
                }
            });
        }
        out.println("-".repeat(110));
        out.println("Anchors: Centrifugo ~12,500 msg/s per CPU, p99 200 ms, 11-30 KB/connection; Kafkorama ~31,000 msg/s"
                + " per vCPU, p99 ~44 ms; Undertow ~4 KB per idle connection.");
        for (String note : notes) {
            out.println("note: " + note);
        }
        out.println("JSON: " + o.out);
    }

    private void row(String fmt, String figure, String value, String target, String status) {
        out.printf(Locale.ROOT, fmt, figure, value, target, status);
    }

    private static String ok(Object met) {
        return Boolean.TRUE.equals(met) ? "met" : Boolean.FALSE.equals(met) ? "NOT met" : "";
    }

    private static String f0(Object value) {
        return value instanceof Number n ? String.format(Locale.ROOT, "%,.0f", n.doubleValue()) : "n/a";
    }

    // ---------------------------------------------------------------- machine, parameters, output

    private Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpuModel", firstLineStartingWith(Path.of("/proc/cpuinfo"), "model name").map(l -> l.split(":", 2)[1].trim())
                .orElse("?"));
        m.put("memoryGiB", firstLineStartingWith(Path.of("/proc/meminfo"), "MemTotal:")
                .map(l -> round1(Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0)).orElse(null));
        m.put("kernel", readTrimmed(Path.of("/proc/sys/kernel/osrelease")));
        m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("openFileLimit", openFileLimit());
        m.put("ephemeralPorts", readTrimmed(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).replaceAll("\\s+", "-"));
        m.put("loadAverageAtStart", readTrimmed(Path.of("/proc/loadavg")));
        m.put("relayJvm", "same java as the bench: " + ChildJvm.javaBin());
        m.put("relayGc", o.gc);
        m.put("benchJvmGc", java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(java.lang.management.GarbageCollectorMXBean::getName).toList());
        m.put("note", "broker, relay and load generator share the machine");
        return m;
    }

    private Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("sessions", o.sessions);
        p.put("lobs", o.lobs);
        p.put("contactsPerSession", o.contactsPerSession);
        p.put("fanOut", 1);
        p.put("notificationBytes", o.notificationBytes);
        p.put("partitions", o.partitions);
        p.put("groupProtocol", o.groupProtocol);
        p.put("tracing", o.tracing);
        p.put("relayGc", o.gc);
        p.put("relayHeap", o.relayHeap);
        p.put("relayJvmExtra", o.relayJvmExtra);
        p.put("rampStart", o.rampStart);
        p.put("rampFactor", o.rampFactor);
        p.put("rampStepSeconds", o.rampStepSeconds);
        p.put("latencySeconds", o.latencySeconds);
        p.put("burstEvents", o.burstEvents);
        p.put("resumeEvents", o.resumeEvents);
        p.put("memorySessions", o.memorySessions);
        p.put("producerLingerMs", o.lingerMs);
        p.put("clientThreads", o.clientThreads);
        p.put("phases", o.phases);
        return p;
    }

    /** CPU seconds the whole machine spent busy (not idle or iowait) since boot, from /proc/stat. */
    static double machineBusySeconds() {
        return firstLineStartingWith(Path.of("/proc/stat"), "cpu ").map(l -> {
            String[] f = l.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return (total - idle) / (double) ChildJvm.CLOCK_TICKS;
        }).orElse(0.0);
    }

    static long openFileLimit() {
        return firstLineStartingWith(Path.of("/proc/self/limits"), "Max open files")
                .map(l -> l.substring("Max open files".length()).trim().split("\\s+")[0])
                .map(v -> "unlimited".equals(v) ? Long.MAX_VALUE : Long.parseLong(v)).orElse(1024L);
    }

    private static Optional<String> firstLineStartingWith(Path file, String prefix) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(prefix)).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String readTrimmed(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private void write() {
        try {
            Files.createDirectories(o.out.toAbsolutePath().getParent());
            JSON.writeValue(o.out.toFile(), results);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + o.out, e);
        }
    }

    private void progress(String format, Object... args) {
        out.printf(Locale.ROOT, "[bench %s] " + format + "%n", prepend(LocalClock.now(), args));
        out.flush();
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private static final class LocalClock {
        static String now() {
            return java.time.LocalTime.now().format(java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss"));
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static Double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static Double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
