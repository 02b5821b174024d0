package io.notifyrelay.kafka;

import io.notifyrelay.core.log.RateLimitedLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's poll loop: one thread, one consumer in the relay's consumer group, every record decoded
 * and handed to the {@link RecordHandler} in partition order.
 *
 * <p>Offsets are auto-committed by the consumer itself, which only commits what a previous poll
 * returned, i.e. what this loop has already handed over; it also commits before partitions are
 * revoked and on close. Transient Kafka errors are retried with a back-off; anything else stops the
 * loop and marks it failed, so liveness reports it and the orchestrator restarts the node.
 */
public final class RelayConsumer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RelayConsumer.class);
    /** Records (producers) can make these fail over and over: a few lines a second at most. */
    private static final RateLimitedLog handlerFailureLog = new RateLimitedLog(log, 5);

    /** Where the loop is in its life; readiness and liveness are read from it. */
    public enum State { CREATED, JOINING, RUNNING, STOPPING, STOPPED, FAILED }

    private final ConsumerSettings settings;
    private final ConsumerFactory consumerFactory;
    private final EnvelopeDecoder decoder;
    private final RecordHandler handler;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);

    private final MeterRegistry meterRegistry;
    private final ConsumerPartitions partitions;
    private final LoopTasks loopTasks;
    private final FetchPacing pacing = new FetchPacing(FetchPacing.DEFAULT_WINDOW);
    /** Null unless a group member hands partitions to another reader of the node. */
    private final HandedOverPartitions handedOver;
    private final PartitionHandover handover;
    private volatile KafkaMetricsBridge clientMetrics;
    private volatile Consumer<byte[], byte[]> consumer;
    private volatile Throwable failure;

    public RelayConsumer(ConsumerSettings settings, ConsumerFactory consumerFactory, EnvelopeDecoder decoder,
                         RecordHandler handler, PartitionListener partitionListener) {
        this(settings, consumerFactory, decoder, handler, partitionListener, new CompositeMeterRegistry());
    }

    /** @param meterRegistry receives the consumer's own metrics (lag per partition …) and rebalance counts */
    public RelayConsumer(ConsumerSettings settings, ConsumerFactory consumerFactory, EnvelopeDecoder decoder,
                         RecordHandler handler, PartitionListener partitionListener, MeterRegistry meterRegistry) {
        this(settings, consumerFactory, decoder, handler, partitionListener, meterRegistry, null);
    }

    /**
     * A group member that hands the duties of its partitions to another reader of the node once it has caught up
     * with it (see {@link PartitionHandover}); it pauses them, and its exported lag of them is the handover's.
     */
    public RelayConsumer(ConsumerSettings settings, ConsumerFactory consumerFactory, EnvelopeDecoder decoder,
                         RecordHandler handler, PartitionListener partitionListener, MeterRegistry meterRegistry,
                         PartitionHandover handover) {
        this.meterRegistry = meterRegistry;
        this.handover = handover;
        this.handedOver = handover == null ? null : new HandedOverPartitions(settings.topic(), handover);
        this.settings = settings;
        this.consumerFactory = consumerFactory;
        this.decoder = decoder;
        this.handler = handler;
        KafkaCalls calls = new KafkaCalls(this::isStopping);
        this.partitions = new ConsumerPartitions(settings, handler, partitionListener, meterRegistry, calls,
                () -> state.compareAndSet(State.JOINING, State.RUNNING), handedOver);
        this.loopTasks = new LoopTasks(settings.topic(), calls, partitions::ownedPartitions);
        // a node in anywhere mode runs both kinds: its log lines say which loop spoke
        this.thread = new Thread(this::run, settings.mode() == RelayMode.BROADCAST ? "relay-reader" : "relay-consumer");
    }

    /**
     * Group session timeout (classic protocol): how long the coordinator waits for a silent member before
     * its partitions move. Kafka's 45 s default stalled a crashed node's partitions for that long; 6 s is
     * the broker's smallest allowed ({@code group.min.session.timeout.ms}) and rides out a young GC pause.
     */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
    /** Heartbeats to the coordinator: a third of the session timeout, so two may be lost. */
    public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(2);

    /** The consumer configuration the loop runs with: relay defaults, then pass-through properties, then what the relay needs. */
    public static Map<String, Object> consumerConfig(ConsumerSettings settings) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        // the broker answers at the first byte and holds an empty fetch up to 500 ms (Kafka's defaults, set so the
        // relay's choice is visible): an idle topic costs two fetches a second. FetchPacing batches a busy topic
        // instead (fetch.min.bytes=32 KB with a 2 ms wait cost an idle node 500 fetches/s, docs/performance.md)
        config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
        // the group's leader sees added partitions at its next metadata refresh (Kafka's default: 5 min)
        config.put(org.apache.kafka.clients.CommonClientConfigs.METADATA_MAX_AGE_CONFIG, (int) settings.metadataRefresh().toMillis());
        boolean classicGroup = settings.mode() == RelayMode.GROUP && settings.groupProtocol() == GroupProtocol.CLASSIC;
        if (classicGroup) {
            // the consumer protocol (KIP-848) rejects these: there the broker assigns, incrementally, and
            // group.consumer.session.timeout.ms on the broker sets the timeout
            config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis());
            config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) HEARTBEAT_INTERVAL.toMillis());
        }
        config.putAll(settings.clientProperties());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.clientId());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        if (settings.mode() == RelayMode.BROADCAST) {
            // every node reads everything from the live end; no group, so nothing to commit
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            config.remove(ConsumerConfig.GROUP_ID_CONFIG);
            return config;
        }
        config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, settings.groupProtocol().configValue());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
        if (settings.groupInstanceId() != null) {
            config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.groupInstanceId());
        }
        return config;
    }

    public void start() {
        if (!state.compareAndSet(State.CREATED, State.JOINING)) {
            throw new IllegalStateException("already started");
        }
        try {
            consumer = consumerFactory.create(consumerConfig(settings));
            Consumer<byte[], byte[]> created = consumer;
            clientMetrics = new KafkaMetricsBridge(created::metrics, meterRegistry, Set.of(settings.topic()),
                    handover == null ? partition -> Double.NaN : handover::lag);
            clientMetrics.refresh();
        } catch (RuntimeException e) {
            failure = e;
            state.set(State.FAILED);
            stopped.countDown();
            throw e;
        }
        thread.start();
    }

    public State state() {
        return state.get();
    }

    /** True once the group has given this node its share of partitions (possibly none) and the loop runs. */
    public boolean isReady() {
        return state.get() == State.RUNNING;
    }

    /** False only when the loop died of an error it cannot recover from. */
    public boolean isAlive() {
        return state.get() != State.FAILED;
    }

    public Throwable failure() {
        return failure;
    }

    /** Work that must happen between two batches of records, with the consumer at hand. */
    @FunctionalInterface
    public interface LoopTask {
        void run(LoopContext context);
    }

    /** What a {@link LoopTask} may ask of the consumer. */
    public interface LoopContext {
        /** The offset of the next record of {@code partition} this loop will hand over. */
        long position(int partition);

        /**
         * The partition's end (high watermark) as the consumer last heard it from the broker, without asking it;
         * empty when not known yet (no fetch since the partition came).
         */
        java.util.OptionalLong endOffset(int partition);

        Set<Integer> ownedPartitions();
    }

    /**
     * Runs {@code task} on the consumer thread between two batches: everything handed over before it
     * ran is delivered, nothing after it has been. That is the seam a resume needs. Tasks submitted
     * after the loop stopped are never run.
     */
    public void runOnLoop(LoopTask task) {
        loopTasks.add(task);
        Consumer<byte[], byte[]> kafka = consumer;
        if (kafka != null) {
            kafka.wakeup();
        }
        LockSupport.unpark(thread); // may be waiting out a fetch window
    }

    /** Brings the Kafka client's metrics in the meter registry up to date; call before each scrape. */
    public void refreshMetrics() {
        KafkaMetricsBridge bridge = clientMetrics;
        if (bridge != null && !isStopping()) {
            bridge.refresh();
        }
    }

    /** The topic's partition count as last seen by the loop (0 before it started); it only grows. */
    public int partitionCount() {
        return partitions.partitionCount();
    }

    /**
     * The consumer's lag of {@code partition} in records, from its own metrics (any thread); NaN before its first
     * fetch of it.
     */
    public double recordsLag(int partition) {
        Consumer<byte[], byte[]> kafka = consumer;
        return kafka == null || isStopping() ? Double.NaN
                : KafkaMetricsBridge.recordsLag(kafka.metrics(), settings.topic(), partition);
    }

    /** Partitions this node consumes right now. */
    public Set<Integer> ownedPartitions() {
        return partitions.ownedPartitions();
    }

    private void run() {
        Consumer<byte[], byte[]> kafka = consumer;
        Duration backoff = Duration.ofMillis(100);
        try {
            partitions.join(kafka);
            while (!isStopping()) {
                try {
                    loopTasks.runAll(kafka);
                    partitions.checkPartitionCount(kafka);
                    pacing.beforePoll();
                    ConsumerRecords<byte[], byte[]> records = kafka.poll(settings.pollTimeout());
                    pacing.polled(records.count());
                    partitions.tellPositions(kafka, records, Duration.ZERO);
                    if (!records.isEmpty()) {
                        handler.onBatch(records.count(), () -> {
                            for (ConsumerRecord<byte[], byte[]> record : records) {
                                handle(record);
                            }
                        });
                    }
                    if (handedOver != null) {
                        handedOver.afterPoll(kafka, partitions.ownedPartitions());
                    }
                    backoff = Duration.ofMillis(100);
                } catch (WakeupException e) {
                    // close() woke us; the loop condition ends the loop
                } catch (RetriableException e) {
                    log.warn("Kafka error that may pass, retrying in {} ms: {}", backoff.toMillis(), e.toString());
                    if (awaitStop(backoff)) {
                        break;
                    }
                    backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0
                            ? Duration.ofSeconds(5) : backoff.multipliedBy(2);
                }
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            state.set(State.FAILED);
            log.error("Consumer loop stopped by an error it cannot recover from; the node is no longer live", e);
        } finally {
            closeQuietly(kafka);
            if (clientMetrics != null) {
                clientMetrics.close();
            }
            state.compareAndSet(State.STOPPING, State.STOPPED);
            stopped.countDown();
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
        handler.onPosition(record.partition(), record.offset() + 1);
        DecodeResult result = decoder.decode(KafkaRecords.toInbound(record));
        try {
            if (result instanceof DecodeResult.Accepted accepted) {
                handler.onEvent(accepted.event());
            } else {
                handler.onRejected((DecodeResult.Rejected) result);
            }
        } catch (RuntimeException e) {
            // one bad delivery must not stop the others
            handlerFailureLog.error("Handler failed for record {}/{}@{}", record.topic(), record.partition(),
                    record.offset(), e);
        }
    }

    private boolean isStopping() {
        State current = state.get();
        return current == State.STOPPING || current == State.STOPPED || current == State.FAILED;
    }

    private boolean awaitStop(Duration duration) {
        try {
            Thread.sleep(duration.toMillis()); // back-off between retries of a transient Kafka error
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
        return isStopping();
    }

    private void closeQuietly(Consumer<byte[], byte[]> kafka) {
        try {
            // commits what was handed over and leaves the group, so partitions move without waiting for a timeout
            kafka.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("Error closing the Kafka consumer: {}", e.toString());
        }
    }

    /** Stops the loop: wake the consumer, let it commit and leave the group, wait up to {@code timeout}. */
    public void close(Duration timeout) {
        State previous = state.getAndUpdate(s -> s == State.FAILED || s == State.STOPPED ? s : State.STOPPING);
        if (previous == State.CREATED) {
            state.set(State.STOPPED);
            stopped.countDown();
            return;
        }
        Consumer<byte[], byte[]> kafka = consumer;
        if (kafka != null) {
            kafka.wakeup();
        }
        LockSupport.unpark(thread);
        try {
            if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Consumer loop did not stop within {} ms", timeout.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
