package io.notifyrelay.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the cluster about the topic every {@code interval} and remembers when it last got an answer in which
 * every partition had a leader and every leader answered for its partitions' end offsets. The consumer itself
 * retries silently for as long as a broker is away, so this is how a node learns that it cannot fetch: no
 * answer, no leader to fetch from, or a leader it cannot reach.
 */
public final class KafkaLinkProbe implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaLinkProbe.class);

    private final Admin admin;
    private final String topic;
    private final Duration interval;
    private final ScheduledExecutorService scheduler;
    private volatile long lastHealthyNanos = System.nanoTime();

    public KafkaLinkProbe(ConsumerSettings settings, Duration interval) {
        Map<String, Object> config = new HashMap<>(settings.clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "notify-relay-probe");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.max(2_000, interval.toMillis() * 2));
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1_000, interval.toMillis() * 2));
        config.keySet().removeIf(key -> !AdminClientConfig.configNames().contains(key));
        this.admin = Admin.create(config);
        this.topic = settings.topic();
        this.interval = interval;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "relay-kafka-probe");
            thread.setDaemon(true);
            return thread;
        });
    }

    public void start() {
        scheduler.scheduleWithFixedDelay(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Time since the cluster last answered with a leader for every partition (or since start). */
    public Duration sinceLastHealthy() {
        return Duration.ofNanos(System.nanoTime() - lastHealthyNanos);
    }

    private void probe() {
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(interval.toMillis() * 2 + 1_000, TimeUnit.MILLISECONDS).get(topic);
            boolean leaders = description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
            if (leaders && leadersAnswer(description)) {
                lastHealthyNanos = System.nanoTime();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("Kafka probe got no answer: {}", e.toString());
        }
    }

    /**
     * Asks every partition's leader for its end offset. Metadata may come from any broker, but ListOffsets is
     * answered by the leader itself, over the connection a fetch would use: a node that can reach the cluster
     * but not a partition's leader (so its fetches fail and the consumer retries silently) gets no answer here.
     */
    private boolean leadersAnswer(TopicDescription description) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        admin.listOffsets(latest).all().get(interval.toMillis() * 2 + 1_000, TimeUnit.MILLISECONDS);
        return true;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
