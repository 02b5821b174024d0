package io.notifyrelay.bench;

import io.notifyrelay.testkit.KafkaBackends;
import io.notifyrelay.testkit.cluster.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** The Kafka broker of a run: the test kit's KRaft broker in its own JVM, with the bench topic created. */
final class BrokerProcess implements AutoCloseable {

    private final ChildJvm jvm;
    private final String bootstrap;

    private BrokerProcess(ChildJvm jvm, String bootstrap) {
        this.jvm = jvm;
        this.bootstrap = bootstrap;
    }

    static BrokerProcess start(BenchContext ctx) {
        int port = ChildJvm.freePort();
        // this JVM's classpath has the test kit's broker; under Surefire java.class.path is only its booter jar
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ChildJvm jvm = ChildJvm.start("broker", jvmOptions(), classpath, "io.notifyrelay.testkit.DevKafkaBroker",
                List.of("--port", Integer.toString(port)), Map.of(), ctx.o.workDir.resolve("broker.log"),
                ctx.cpus.others());
        long t0 = System.nanoTime();
        jvm.awaitLogLine(line -> line.contains(KafkaBackends.BANNER_PREFIX), Duration.ofSeconds(90));
        String bootstrap = "localhost:" + port;
        ctx.progress("broker up at %s in %.1f s (pid %d)", bootstrap, (System.nanoTime() - t0) / 1e9, jvm.pid());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(BenchContext.TOPIC, ctx.o.partitions, (short) 1))).all()
                    .get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            jvm.close();
            throw new IllegalStateException("cannot create topic " + BenchContext.TOPIC + ": " + e, e);
        }
        return new BrokerProcess(jvm, bootstrap);
    }

    String bootstrap() {
        return bootstrap;
    }

    double cpuSeconds() {
        return ProcFs.cpuSecondsOf(jvm.pid());
    }

    /** BENCH_BROKER_JVM_OPTS adds to the broker's JVM options (e.g. a GC log, to explain a latency spike). */
    private static List<String> jvmOptions() {
        List<String> options = new ArrayList<>(List.of("-Xms512m", "-Xmx1g", "-XX:+UseG1GC"));
        String extra = System.getenv("BENCH_BROKER_JVM_OPTS");
        if (extra != null && !extra.isBlank()) {
            options.addAll(List.of(extra.trim().split("\\s+")));
        }
        return options;
    }

    @Override
    public void close() {
        jvm.close();
    }
}
