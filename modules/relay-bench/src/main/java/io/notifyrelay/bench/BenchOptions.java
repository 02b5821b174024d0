package io.notifyrelay.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What one bench run does: a profile's defaults, then the flags. */
final class BenchOptions {

    static final List<String> ALL_PHASES = List.of("ramp", "latency", "burst", "resume", "floor", "fanout",
            "socketio", "readcost", "receipts", "raw", "memory", "protocols");

    String profile = "quick";
    int sessions = 10_000;
    int lobs = 10;
    int contactsPerSession = 1;
    int notificationBytes = 500;
    int partitions = 12;
    double rampStart = 4_000;
    double rampFactor = 1.5;
    int rampMaxSteps = 10;
    double rampStepSeconds = 4;
    boolean rampRefine = false;
    double warmupSeconds = 6;
    double warmupRate = 3_000;
    double fixedRate = 0; // > 0: skip the ramp, measure latency at this rate
    double latencySeconds = 12;
    /** Latency runs per figure, for the spread of p99 and p99.9. */
    int repeats = 5;
    /** true: pin with taskset; false: do not; null: pin when there are 2 or more cores. */
    Boolean pin;
    long burstEvents = 200_000;
    /** Fan-out and Socket.IO phases: LOB-wide sessions, over this many LOBs (10 per LOB), and the burst's events. */
    int fanoutSessions = 1_000;
    int fanoutLobs = 100;
    long fanoutBurstEvents = 100_000;
    long rawMaxRecords = 500_000;
    int resumeEvents = 10_000;
    int resumeContacts = 8;
    List<Integer> memorySessions = List.of(10_000, 50_000);
    double protocolSeconds = 10;
    String groupProtocol = "classic";
    String gc = "G1";
    String relayHeap = "1g";
    List<String> relayJvmExtra = new ArrayList<>();
    java.util.Map<String, String> relayEnv = new java.util.LinkedHashMap<>();
    boolean jfr = false;
    /** --tracing on: the relay exports spans with OTLP (to a sink in the bench) and every record carries a trace. */
    boolean tracing = false;
    boolean timeline = false;
    int clientThreads = 2;
    int lingerMs = 0;
    int maxConnectInFlight = 500;
    double waitQuietSeconds = 0;
    /** Idle cost: seconds from the subscribes to the first settled window, and the windows' length. */
    double idleSettleSeconds = 20;
    double idleWindowSeconds = 5;
    /** Serve-anywhere read cost: events/s produced to a node with no session, for this long. */
    double readCostRate = 10_000;
    double readCostSeconds = 10;
    /** RELAY_MODE of each read-cost node, in order; "default" leaves the node's default. */
    /** Owner mode first (one read: the group's), then the default (anywhere): its extra read is the difference. */
    List<String> readCostModes = List.of("owner", "anywhere");
    Set<String> phases = new LinkedHashSet<>(List.of("ramp", "latency", "burst", "resume", "floor", "fanout",
            "socketio", "readcost", "receipts", "raw", "memory"));
    Path out;
    Path workDir;
    Path repoRoot;
    String relayClasspath;
    String relayMain = "io.notifyrelay.app.Main";

    static BenchOptions parse(String... args) {
        BenchOptions o = new BenchOptions();
        List<String> list = Arrays.asList(args);
        // the profile first, so flags override its defaults whatever their order
        for (String arg : list) {
            switch (arg) {
                case "--smoke" -> o.smoke();
                case "--quick" -> o.profile = "quick";
                case "--full" -> o.full();
                default -> {
                }
            }
        }
        for (int i = 0; i < list.size(); i++) {
            String arg = list.get(i);
            switch (arg) {
                case "--smoke", "--quick", "--full" -> {
                }
                case "--sessions" -> o.sessions = Integer.parseInt(list.get(++i));
                case "--lobs" -> o.lobs = Integer.parseInt(list.get(++i));
                case "--contacts-per-session" -> o.contactsPerSession = Integer.parseInt(list.get(++i));
                case "--size" -> o.notificationBytes = Integer.parseInt(list.get(++i));
                case "--partitions" -> o.partitions = Integer.parseInt(list.get(++i));
                case "--rate" -> o.fixedRate = Double.parseDouble(list.get(++i));
                case "--ramp-start" -> o.rampStart = Double.parseDouble(list.get(++i));
                case "--ramp-step-seconds" -> o.rampStepSeconds = Double.parseDouble(list.get(++i));
                case "--latency-seconds" -> o.latencySeconds = Double.parseDouble(list.get(++i));
                case "--repeats" -> o.repeats = Math.max(1, Integer.parseInt(list.get(++i)));
                case "--pin" -> o.pin = true;
                case "--no-pin" -> o.pin = false;
                case "--warmup-seconds" -> o.warmupSeconds = Double.parseDouble(list.get(++i));
                case "--warmup-rate" -> o.warmupRate = Double.parseDouble(list.get(++i));
                case "--burst" -> o.burstEvents = Long.parseLong(list.get(++i));
                case "--fanout-sessions" -> o.fanoutSessions = Integer.parseInt(list.get(++i));
                case "--fanout-lobs" -> o.fanoutLobs = Integer.parseInt(list.get(++i));
                case "--fanout-burst" -> o.fanoutBurstEvents = Long.parseLong(list.get(++i));
                case "--read-cost-rate" -> o.readCostRate = Double.parseDouble(list.get(++i));
                case "--read-cost-seconds" -> o.readCostSeconds = Double.parseDouble(list.get(++i));
                case "--read-cost-modes" -> o.readCostModes = List.of(list.get(++i).split(","));
                case "--resume-events" -> o.resumeEvents = Integer.parseInt(list.get(++i));
                case "--memory-sessions" -> o.memorySessions = ints(list.get(++i));
                case "--group-protocol" -> o.groupProtocol = list.get(++i).toLowerCase(Locale.ROOT);
                case "--gc" -> o.gc = list.get(++i);
                case "--relay-heap" -> o.relayHeap = list.get(++i);
                case "--relay-jvm-opt" -> o.relayJvmExtra.add(list.get(++i));
                case "--relay-env" -> {
                    String kv = list.get(++i);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--relay-env takes NAME=VALUE, got " + kv);
                    }
                    o.relayEnv.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                case "--jfr" -> o.jfr = true;
                case "--tracing" -> {
                    String value = list.get(++i);
                    if (!value.equals("on") && !value.equals("off")) {
                        throw new IllegalArgumentException("--tracing takes on or off, got " + value);
                    }
                    o.tracing = value.equals("on");
                }
                case "--timeline" -> o.timeline = true;
                case "--idle-settle" -> o.idleSettleSeconds = Double.parseDouble(list.get(++i));
                case "--wait-quiet" -> o.waitQuietSeconds = Double.parseDouble(list.get(++i));
                case "--client-threads" -> o.clientThreads = Integer.parseInt(list.get(++i));
                case "--linger-ms" -> o.lingerMs = Integer.parseInt(list.get(++i));
                case "--phases" -> o.phases = new LinkedHashSet<>(Arrays.asList(list.get(++i).split(",")));
                case "--compare-protocols" -> o.phases.add("protocols");
                case "--out" -> o.out = Path.of(list.get(++i));
                case "--work-dir" -> o.workDir = Path.of(list.get(++i));
                case "--repo-root" -> o.repoRoot = Path.of(list.get(++i));
                case "--relay-classpath" -> o.relayClasspath = list.get(++i);
                case "--relay-main" -> o.relayMain = list.get(++i);
                case "--help", "-h" -> throw new HelpRequested();
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "'\n" + usage());
            }
        }
        for (String phase : o.phases) {
            if (!ALL_PHASES.contains(phase)) {
                throw new IllegalArgumentException("unknown phase '" + phase + "'; phases: " + ALL_PHASES);
            }
        }
        if (o.fanoutLobs < 1 || o.fanoutSessions < o.fanoutLobs || o.fanoutSessions % o.fanoutLobs != 0) {
            throw new IllegalArgumentException("--fanout-sessions (" + o.fanoutSessions
                    + ") must be a multiple of --fanout-lobs (" + o.fanoutLobs + ")");
        }
        if (o.repoRoot == null) {
            String fromProperty = System.getProperty("notify.bench.repoRoot");
            o.repoRoot = Path.of(fromProperty != null ? fromProperty : ".").toAbsolutePath().normalize();
        }
        if (o.workDir == null) {
            o.workDir = o.repoRoot.resolve("modules/relay-bench/target/bench-work");
        }
        if (o.out == null) {
            o.out = o.repoRoot.resolve("modules/relay-bench/target/bench-results.json");
        }
        return o;
    }

    private void smoke() {
        profile = "smoke";
        sessions = 200;
        lobs = 4;
        partitions = 6;
        rampStart = 500;
        rampFactor = 2;
        rampMaxSteps = 2;
        rampStepSeconds = 1.5;
        warmupSeconds = 1;
        warmupRate = 500;
        latencySeconds = 2;
        repeats = 1;
        burstEvents = 5_000;
        rawMaxRecords = 50_000;
        resumeEvents = 500;
        resumeContacts = 4;
        memorySessions = List.of(100, 300);
        readCostRate = 1_000;
        readCostSeconds = 2;
        readCostModes = List.of("default");
        protocolSeconds = 2;
        relayHeap = "256m";
        idleSettleSeconds = 0;
        fanoutSessions = 40;
        fanoutLobs = 4;
        fanoutBurstEvents = 500;
        idleWindowSeconds = 1.5;
    }

    private void full() {
        profile = "full";
        rampStart = 4_000;
        rampFactor = 1.4;
        rampMaxSteps = 14;
        rampStepSeconds = 10;
        rampRefine = true;
        warmupSeconds = 15;
        latencySeconds = 60;
        burstEvents = 1_000_000;
        rawMaxRecords = 1_000_000;
        protocolSeconds = 20;
        readCostSeconds = 30;
        idleSettleSeconds = 60;
        fanoutBurstEvents = 300_000;
        phases.add("protocols");
    }

    private static List<Integer> ints(String csv) {
        List<Integer> values = new ArrayList<>();
        for (String s : csv.split(",")) {
            values.add(Integer.parseInt(s.trim()));
        }
        return values;
    }

    /** {@code --help}: print {@link #usage()} and exit 0. */
    static final class HelpRequested extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super(usage());
        }
    }

    static String usage() {
        return """
                usage: scripts/bench [--smoke|--quick|--full] [options]
                  --smoke                 tiny run (~2 min on a busy box), what ./scripts/test runs
                  --quick                 default: 10k sessions, short ramp, relay then floor, fan-out 10,
                                          Socket.IO path (~8 minutes, estimated)
                  --full                  longer steps, refined ramp, 60 s latency runs, 1M-event bursts, both
                                          group protocols (~20 minutes)
                  --sessions N            WebSocket sessions for the throughput/latency phases (10000)
                  --lobs N                LOBs the sessions are spread over (10)
                  --contacts-per-session N  contacts each session subscribes to (1); each event goes to one session
                  --size BYTES            notification size (500)
                  --partitions N          partitions of the bench topic (12)
                  --rate R                skip the ramp and measure latency at R events/s
                  --latency-seconds S     length of the latency run (quick 12, full 60)
                  --repeats N             latency runs per figure, for the spread of p99 / p99.9 (5; smoke 1)
                  --pin / --no-pin        pin the server under test to CPU 0 and the broker and load generator to
                                          the others with taskset (default: pin when there are >= 2 cores)
                  --warmup-seconds S      unmeasured warm-up before the ramp (--warmup-rate R)
                  --burst N               events of the unthrottled burst
                  --fanout-sessions N     fanout and socketio phases: LOB-wide sessions (1000; smoke 40) ...
                  --fanout-lobs N         ... over N LOBs (100; smoke 4), so each event reaches sessions/N of them
                  --fanout-burst N        ... and the events of their burst (quick 100000, full 300000, smoke 500)
                  --read-cost-rate R      serve-anywhere read cost: events/s to a node with no session (10000)
                  --read-cost-seconds S   ... for S seconds after as long a warm-up (quick 10, full 30)
                  --read-cost-modes a,b   one node per RELAY_MODE value, last = headline (owner,anywhere;
                                          smoke: the node's default mode only)
                  --memory-sessions a,b   idle-session counts for the memory phase (10000,50000)
                  --group-protocol P      classic (default) or consumer
                  --compare-protocols     also run the latency measurement with the other group protocol
                  --gc G1|ZGC|Parallel|Serial  relay GC (G1); --relay-heap 1g; --relay-jvm-opt OPT (repeatable)
                  --relay-env NAME=VALUE  extra relay environment, e.g. RELAY_KAFKA_PROPERTY_FETCH_MIN_BYTES=65536 (repeatable)
                  --idle-settle S         idle cost: wait S s after the subscribes (quick 20, full 60, smoke 0),
                                          then measure 5 s windows until two agree (within 20 % or 0.01 cores);
                                          the 4 s window right after the subscribes is kept as idleEarly...
                  --wait-quiet SECONDS    before each measured step, wait up to SECONDS for other processes to use
                                          < 0.3 cores (a shared machine); the JSON says how busy it was anyway
                  --jfr                   record the relay with JFR during latency+burst and print the hot spots
                  --tracing on|off        on: every record carries a ce_traceparent and the relay makes and exports
                                          spans with OTLP (OTEL_TRACES_EXPORTER=otlp) to an HTTP sink in the bench;
                                          off (default): the relay as shipped, records without trace
                  --timeline              after the latency run, print each 100 ms (by send time) whose worst
                                          latency was over 10 ms, with the wall-clock time (to match GC logs)
                  --phases a,b,...        subset of ramp,latency,burst,resume,floor,fanout,socketio,readcost,receipts,
                                          raw,memory,protocols
                                          (floor: the same latency runs and burst on FloorForwarder, the thinnest
                                          Kafka-to-Undertow forwarder, for the relay/floor ratios;
                                          fanout: LOB-wide /v1/ws sessions, fan-out 10, relay then floor, a burst;
                                          socketio: the same burst to Socket.IO sessions (Engine.IO 4, websocket
                                          transport, REGISTER_SOCKET) then to /v1/ws ones of one relay node)
                  --relay-classpath CP    run another build of the relay (e.g. a prototype's relay-app target)
                  --relay-main CLASS      e.g. io.notifyrelay.bench.UndertowFloor: bare Undertow, for the memory floor
                  --out FILE              JSON results (modules/relay-bench/target/bench-results.json)
                """;
    }
}
