package io.notifyrelay.kafka;

import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.core.RelayEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads ranges of the topic again for resuming sessions, on its own consumers and threads so a replay
 * never delays live delivery. At most {@code concurrency} replays run at once; the rest queue.
 */
public final class ReplayReader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplayReader.class);

    /** How a replay of one partition ended. */
    public enum Outcome { COMPLETE, RETENTION, LIMIT, TIMEOUT, FAILED }

    /** @param maxRecords records one replay may scan; @param timeout how long one replay may take */
    public record Limits(int concurrency, long maxRecords, Duration timeout) {
    }

    private final ConsumerSettings settings;
    private final ConsumerFactory consumerFactory;
    private final EnvelopeDecoder decoder;
    private final Limits limits;
    private final ExecutorService executor;

    public ReplayReader(ConsumerSettings settings, ConsumerFactory consumerFactory, EnvelopeDecoder decoder,
                        Limits limits) {
        this.settings = settings;
        this.consumerFactory = consumerFactory;
        this.decoder = decoder;
        this.limits = limits;
        AtomicInteger threads = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(limits.concurrency(), limits.concurrency(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "relay-replay-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    private Map<String, Object> config() {
        Map<String, Object> config = new HashMap<>(settings.clientProperties());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "notify-relay-replay");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return config;
    }

    /** The replay threads; what follows a replay runs there too, never on the consumer thread. */
    java.util.concurrent.Executor executor() {
        return executor;
    }

    /** First offset at or after {@code since} for each partition; partitions with none map to null. */
    public CompletableFuture<Map<Integer, Long>> offsetsAt(Set<Integer> partitions, Instant since) {
        return CompletableFuture.supplyAsync(() -> {
            try (org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer = consumerFactory.create(config())) {
                Map<TopicPartition, Long> query = new HashMap<>();
                partitions.forEach(p -> query.put(new TopicPartition(settings.topic(), p), since.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, Duration.ofSeconds(10));
                Map<Integer, Long> result = new HashMap<>();
                found.forEach((tp, offset) -> result.put(tp.partition(), offset == null ? null : offset.offset()));
                return result;
            }
        }, executor);
    }

    /**
     * Reads {@code [from, toExclusive)} of {@code partition}, handing every event {@code wanted} accepts
     * to {@code sink} in offset order.
     */
    public CompletableFuture<Outcome> replay(int partition, long from, long toExclusive, Predicate<RelayEvent> wanted,
                                             Consumer<RelayEvent> sink) {
        if (from >= toExclusive) {
            return CompletableFuture.completedFuture(Outcome.COMPLETE);
        }
        if (toExclusive - from > limits.maxRecords()) {
            return CompletableFuture.completedFuture(Outcome.LIMIT);
        }
        return CompletableFuture.supplyAsync(() -> read(partition, from, toExclusive, wanted, sink), executor);
    }

    /** Hands over events already in memory, on a replay thread, where the sink may wait for a slow client. */
    public CompletableFuture<Outcome> replay(List<RelayEvent> events, Consumer<RelayEvent> sink) {
        return CompletableFuture.supplyAsync(() -> {
            events.forEach(sink);
            return Outcome.COMPLETE;
        }, executor);
    }

    private Outcome read(int partition, long from, long toExclusive, Predicate<RelayEvent> wanted,
                         Consumer<RelayEvent> sink) {
        TopicPartition topicPartition = new TopicPartition(settings.topic(), partition);
        long deadline = System.nanoTime() + limits.timeout().toNanos();
        try (org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer = consumerFactory.create(config())) {
            consumer.assign(List.of(topicPartition));
            long logStart = consumer.beginningOffsets(List.of(topicPartition), Duration.ofSeconds(10)).get(topicPartition);
            Outcome outcome = Outcome.COMPLETE;
            long start = from;
            if (from < logStart) {
                // the oldest missed events are gone; deliver what is left and say so
                outcome = Outcome.RETENTION;
                start = logStart;
            }
            consumer.seek(topicPartition, start);
            while (consumer.position(topicPartition) < toExclusive) {
                if (System.nanoTime() > deadline) {
                    return Outcome.TIMEOUT;
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() >= toExclusive) {
                        return outcome;
                    }
                    DecodeResult result = decoder.decode(KafkaRecords.toInbound(record));
                    if (result instanceof DecodeResult.Accepted accepted && wanted.test(accepted.event())) {
                        sink.accept(accepted.event());
                    }
                }
            }
            return outcome;
        } catch (RuntimeException e) {
            log.warn("Replay of partition {} from {} failed: {}", partition, from, e.toString());
            return Outcome.FAILED;
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
