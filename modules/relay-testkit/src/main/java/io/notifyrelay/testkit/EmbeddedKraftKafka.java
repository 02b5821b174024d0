package io.notifyrelay.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node KRaft broker (combined broker + controller) running inside this JVM.
 *
 * <p>Two start-up paths, chosen by the configuration:
 * <ul>
 *   <li><b>Test mode</b> (no port, no data directory; the default): {@link KafkaClusterTestKit}. It pre-binds its
 *       listener sockets on ephemeral ports before the node is configured, so there is no race for a port, and it
 *       routes fatal faults to an in-memory handler instead of halting the JVM. Data lives in a temporary directory
 *       deleted on close.</li>
 *   <li><b>Server mode</b> ({@link Builder#port(int)} non-zero or {@link Builder#dataDirectory(Path)} set): the same
 *       path as {@code kafka-storage.sh format} + {@code kafka-server-start.sh}, i.e. {@link Formatter} then
 *       {@link KafkaRaftServer}. The test kit can only listen on the ephemeral sockets it pre-binds and it always
 *       formats afresh with new directory ids, so it can neither serve a fixed port nor reopen a data directory;
 *       {@code KafkaRaftServer} reads {@code meta.properties} from disk, so a dev broker keeps its topics across
 *       restarts. The controller listener takes a free port at each start: the quorum is static
 *       ({@code controller.quorum.voters}), so its address may change between restarts. Like
 *       {@code kafka-server-start.sh}, it uses Kafka's production fault handlers (a fatal metadata fault halts the
 *       JVM), which is right for a dev broker process and one more reason tests use test mode.</li>
 * </ul>
 *
 * <p>Immutable configuration; {@link #start()} once, {@link #close()} once. Not restartable: build a new instance
 * on the same data directory instead.
 */
public final class EmbeddedKraftKafka extends AbstractKafkaBackend {

    public static final String NAME = "embedded-kraft";

    private static final String HOST = "localhost";
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final int port;
    private final Path dataDirectory;
    private final Map<String, String> brokerProperties;
    /** NAME:port:advertisedPort of a second plaintext listener (server mode), or null. */
    private final String extraListener;

    private final Object lock = new Object();
    private Running running;
    private boolean started;

    private EmbeddedKraftKafka(Builder builder) {
        this.port = builder.port;
        this.dataDirectory = builder.dataDirectory;
        this.brokerProperties = Collections.unmodifiableMap(new LinkedHashMap<>(builder.brokerProperties));
        this.extraListener = builder.extraListener;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Formats storage if needed and starts the broker; returns once it is registered and unfenced. */
    public EmbeddedKraftKafka start() {
        synchronized (lock) {
            if (started) {
                throw new IllegalStateException("already started; build a new EmbeddedKraftKafka to start again");
            }
            started = true;
            running = isServerMode() ? RaftServer.start(this) : TestKit.start(this);
            return this;
        }
    }

    public boolean isRunning() {
        synchronized (lock) {
            return running != null;
        }
    }

    /** True for the fixed-port / persistent-data path ({@link KafkaRaftServer}), false for the test kit. */
    public boolean isServerMode() {
        return port != 0 || dataDirectory != null;
    }

    /** The port clients connect to; the actual one once started (ephemeral in test mode). */
    public int port() {
        return running().port();
    }

    @Override
    public String bootstrapServers() {
        return HOST + ":" + port();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        Running r = running();
        return NAME + " (KRaft " + AppInfoParser.getVersion() + " in-process" + r.detail() + ") at "
                + bootstrapServers();
    }

    @Override
    protected void stop() {
        Running r;
        synchronized (lock) {
            r = running;
            running = null;
        }
        if (r != null) {
            r.stop();
        }
    }

    private Running running() {
        synchronized (lock) {
            if (running == null) {
                throw new IllegalStateException(started ? "embedded Kafka is closed" : "embedded Kafka not started");
            }
            return running;
        }
    }

    /** Broker settings: the shared test defaults, then the builder's overrides. */
    private Map<String, String> effectiveBrokerProperties() {
        Map<String, String> props = new LinkedHashMap<>(KafkaBackends.BROKER_PROPERTIES);
        props.putAll(brokerProperties);
        return props;
    }

    private sealed interface Running permits TestKit, RaftServer {
        int port();

        String detail();

        void stop();
    }

    private record TestKit(KafkaClusterTestKit cluster, int port) implements Running {

        static TestKit start(EmbeddedKraftKafka config) {
            KafkaClusterTestKit cluster = null;
            try {
                TestKitNodes nodes = new TestKitNodes.Builder(productionBootstrapMetadata())
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .build();
                KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
                // the test kit enables unstable APIs by default; tests should see what production brokers offer
                builder.setConfigProp("unstable.api.versions.enable", "false");
                builder.setConfigProp("unstable.feature.versions.enable", "false");
                config.effectiveBrokerProperties().forEach(builder::setConfigProp);
                cluster = builder.build();
                cluster.format();
                cluster.startup();
                cluster.waitForReadyBrokers();
                String bootstrap = cluster.bootstrapServers();
                int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
                return new TestKit(cluster, port);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                IllegalStateException failure =
                        new IllegalStateException("embedded KRaft broker failed to start: " + e, e);
                if (cluster != null) {
                    try {
                        shutdown(cluster);
                    } catch (RuntimeException cleanup) {
                        failure.addSuppressed(cleanup); // keep the start-up cause on top
                    }
                }
                throw failure;
            }
        }

        /**
         * Metadata and feature levels of a released broker, as {@code kafka-storage format} writes them. The test
         * kit's default is the newest unreleased metadata version; and its {@code setBootstrapMetadataVersion} keeps
         * only metadata.version, which leaves group.version at 0 so the KIP-848 consumer protocol is refused.
         */
        private static BootstrapMetadata productionBootstrapMetadata() {
            MetadataVersion version = MetadataVersion.latestProduction();
            Map<String, Short> levels = new LinkedHashMap<>();
            Feature.PRODUCTION_FEATURES.forEach(f -> levels.put(f.featureName(), f.defaultLevel(version)));
            return BootstrapMetadata.fromVersions(version, levels, "notify-relay-testkit");
        }

        @Override
        public String detail() {
            return "";
        }

        @Override
        public void stop() {
            shutdown(cluster);
        }

        private static void shutdown(KafkaClusterTestKit cluster) {
            try {
                cluster.close();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("embedded KRaft broker failed to stop cleanly: " + e, e);
            }
        }
    }

    private record RaftServer(KafkaRaftServer server, int port, Path dataDirectory, boolean deleteOnStop)
            implements Running {

        static RaftServer start(EmbeddedKraftKafka config) {
            int port = config.port == 0 ? freePort() : requireFreePort(config.port);
            int controllerPort = freePort();
            boolean temporary = config.dataDirectory == null;
            Path dir;
            try {
                dir = temporary ? Files.createTempDirectory("notify-relay-kafka-") : config.dataDirectory;
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create Kafka data directory", e);
            }

            Map<String, String> props = new LinkedHashMap<>();
            props.put("process.roles", "broker,controller");
            props.put("node.id", Integer.toString(NODE_ID));
            props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
            props.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + port + ","
                    + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
            props.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + port);
            props.put("listener.security.protocol.map",
                    BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
            props.put("controller.listener.names", CONTROLLER_LISTENER);
            props.put("inter.broker.listener.name", BROKER_LISTENER);
            props.put("log.dirs", dir.toAbsolutePath().toString());
            if (config.extraListener != null) {
                String[] parts = config.extraListener.split(":");
                props.put("listeners", props.get("listeners") + "," + parts[0] + "://" + HOST + ":" + parts[1]);
                props.put("advertised.listeners", props.get("advertised.listeners") + "," + parts[0] + "://" + HOST
                        + ":" + parts[2]);
                props.put("listener.security.protocol.map", props.get("listener.security.protocol.map") + ","
                        + parts[0] + ":PLAINTEXT");
            }
            props.putAll(config.effectiveBrokerProperties());

            KafkaRaftServer server = null;
            try {
                KafkaConfig kafkaConfig = new KafkaConfig(props, false);
                format(dir);
                server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
                // returns once the broker has caught up with the metadata log and is unfenced
                server.startup();
                return new RaftServer(server, port, dir, temporary);
            } catch (RuntimeException e) {
                String hint = String.valueOf(e.getMessage()).contains("bind")
                        ? " (is another process listening on " + HOST + ":" + port + "?)" : "";
                IllegalStateException failure = new IllegalStateException("Kafka broker on " + HOST + ":" + port
                        + " failed to start" + hint + ": " + e.getMessage(), e);
                if (server != null) {
                    try {
                        shutdown(server);
                    } catch (RuntimeException cleanup) {
                        failure.addSuppressed(cleanup);
                    }
                }
                if (temporary) {
                    deleteQuietly(dir);
                }
                throw failure;
            }
        }

        /**
         * {@code kafka-storage.sh format}, once: a directory from an earlier run keeps its cluster id and data.
         * (The Formatter's ignore-formatted mode still insists on the cluster id it is given, which would be new.)
         */
        private static void format(Path dir) {
            if (Files.exists(dir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
                return;
            }
            try {
                new Formatter()
                        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                        .setNodeId(NODE_ID)
                        .setClusterId(Uuid.randomUuid().toString())
                        .setUnstableFeatureVersionsEnabled(false)
                        .setReleaseVersion(MetadataVersion.latestProduction())
                        .setIgnoreFormatted(false)
                        .setControllerListenerName(CONTROLLER_LISTENER)
                        .setMetadataLogDirectory(dir.toAbsolutePath().toString())
                        .addDirectory(dir.toAbsolutePath().toString())
                        .run();
            } catch (Exception e) {
                throw new IllegalStateException("cannot format Kafka storage in " + dir + ": " + e.getMessage(), e);
            }
        }

        @Override
        public String detail() {
            return ", KafkaRaftServer, data in " + dataDirectory + (deleteOnStop ? " (temporary)" : "");
        }

        @Override
        public void stop() {
            shutdown(server);
            if (deleteOnStop) {
                deleteQuietly(dataDirectory);
            }
        }

        private static void shutdown(KafkaRaftServer server) {
            server.shutdown();
            server.awaitShutdown();
        }

        private static void deleteQuietly(Path dir) {
            try {
                Utils.delete(dir.toFile());
            } catch (IOException e) {
                // a leftover temp directory is not worth failing a shutdown for
            }
        }

        private static int requireFreePort(int port) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true); // as Kafka does, so a port in TIME_WAIT from a previous run is fine
                socket.bind(new InetSocketAddress(HOST, port));
                return port;
            } catch (IOException e) {
                throw new IllegalStateException("Cannot start the embedded Kafka broker: " + HOST + ":" + port
                        + " is already in use (" + e.getMessage() + "). Stop whatever listens there (another Kafka?)"
                        + " or choose another port.", e);
            }
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(HOST, 0));
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("no free port on " + HOST, e);
            }
        }
    }

    /** Mutable builder for the immutable {@link EmbeddedKraftKafka} configuration. */
    public static final class Builder {
        private String extraListener;
        private int port;
        private Path dataDirectory;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Fixed client port, e.g. 9092 for a dev broker; 0 (default) for an ephemeral port. A non-zero port selects
         * server mode, and start-up fails with a clear message if the port is taken.
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * A directory dedicated to this broker's data, kept after close and reused on the next start (server mode).
         * Without it, data goes to a temporary directory deleted on close.
         */
        public Builder dataDirectory(Path dataDirectory) {
            this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
            return this;
        }

        /** Broker config override, applied after the test defaults in {@link KafkaBackends#BROKER_PROPERTIES}. */
        public Builder brokerProperty(String key, String value) {
            brokerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * A second plaintext listener on {@code port} that tells its clients to connect to {@code advertisedPort}
         * (server mode): a TCP forwarder there carries all of a client's traffic, so a test can cut it off.
         */
        public Builder extraListener(String name, int port, int advertisedPort) {
            this.extraListener = name + ":" + port + ":" + advertisedPort;
            return this;
        }

        public Builder brokerProperties(Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        public EmbeddedKraftKafka build() {
            return new EmbeddedKraftKafka(this);
        }
    }
}
