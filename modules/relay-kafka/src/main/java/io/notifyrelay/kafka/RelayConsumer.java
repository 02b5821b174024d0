package io.notifyrelay.kafka;

import io.notifyrelay.core.log.RateLimitedLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
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
    /** Records (producers) and resumes (clients) can make these fail over and over: a few lines a second at most. */
    private static final RateLimitedLog handlerFailureLog = new RateLimitedLog(log, 5);
    private static final RateLimitedLog taskFailureLog = new RateLimitedLog(log, 5);

    /** Where the loop is in its life; readiness and liveness are read from it. */
    public enum State { CREATED, JOINING, RUNNING, STOPPING, STOPPED, FAILED }

    private final ConsumerSettings settings;
    private final ConsumerFactory consumerFactory;
    private final EnvelopeDecoder decoder;
    private final RecordHandler handler;
    private final PartitionListener partitionListener;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);

    private final Queue<LoopTask> loopTasks = new ConcurrentLinkedQueue<>();
    private final MeterRegistry meterRegistry;
    private volatile KafkaMetricsBridge clientMetrics;
    private volatile Consumer<byte[], byte[]> consumer;
    private volatile Set<Integer> ownedPartitions = Set.of();
    /** The topic's partition count as last seen; 0 until the loop has looked. */
    private volatile int partitionCount;
    private long nextMetadataCheckNanos;
    private volatile Throwable failure;
    /** Owned partitions whose position the handler has not been told yet (consumer thread only). */
    private final Set<Integer> positionsUntold = new java.util.HashSet<>();

    public RelayConsumer(ConsumerSettings settings, ConsumerFactory consumerFactory, EnvelopeDecoder decoder,
                         RecordHandler handler, PartitionListener partitionListener) {
        this(settings, consumerFactory, decoder, handler, partitionListener, new CompositeMeterRegistry());
    }

    /** @param meterRegistry receives the consumer's own metrics (lag per partition …) and rebalance counts */
    public RelayConsumer(ConsumerSettings settings, ConsumerFactory consumerFactory, EnvelopeDecoder decoder,
                         RecordHandler handler, PartitionListener partitionListener, MeterRegistry meterRegistry) {
        this.meterRegistry = meterRegistry;
        this.settings = settings;
        this.consumerFactory = consumerFactory;
        this.decoder = decoder;
        this.handler = handler;
        this.partitionListener = partitionListener;
        // a node in anywhere mode runs both kinds: its log lines say which loop spoke
        this.thread = new Thread(this::run, settings.mode() == RelayMode.BROADCAST ? "relay-reader" : "relay-consumer");
        for (String change : List.of("assigned", "revoked", "lost")) {
            rebalances(change); // at zero from start-up, so dashboards and rate() see the series
        }
    }

    private io.micrometer.core.instrument.Counter rebalances(String change) {
        return io.micrometer.core.instrument.Counter.builder("relay.rebalances").tag("change", change)
                .description("Rebalance callbacks that gave this node partitions (assigned) or took them (revoked, lost)")
                .register(meterRegistry);
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
        // batch fetches: with fetch.min.bytes=1 every fetch returns at the first record, and at a few
        // thousand events/s the Kafka client was 60 % of the relay's CPU (docs/performance.md, P1);
        // 2 ms of wait at most keeps p50 within target
        config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 32 * 1024);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 2);
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
            clientMetrics = new KafkaMetricsBridge(created::metrics, meterRegistry, Set.of(settings.topic()));
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
        return partitionCount;
    }

    /** Partitions this node consumes right now. */
    public Set<Integer> ownedPartitions() {
        return ownedPartitions;
    }

    private void run() {
        Consumer<byte[], byte[]> kafka = consumer;
        Duration backoff = Duration.ofMillis(100);
        try {
            List<PartitionInfo> atStart = kafka.partitionsFor(settings.topic());
            partitionCount = atStart == null ? 0 : atStart.size();
            nextMetadataCheckNanos = System.nanoTime() + settings.metadataRefresh().toNanos();
            if (settings.mode() == RelayMode.BROADCAST) {
                assignAll(kafka);
            } else {
                kafka.subscribe(List.of(settings.topic()), new Rebalance());
            }
            while (!isStopping()) {
                try {
                    runLoopTasks(kafka);
                    checkPartitionCount(kafka);
                    ConsumerRecords<byte[], byte[]> records = kafka.poll(settings.pollTimeout());
                    tellPositions(kafka, records, Duration.ZERO);
                    if (!records.isEmpty()) {
                        handler.onBatch(records.count(), () -> {
                            for (ConsumerRecord<byte[], byte[]> record : records) {
                                handle(record);
                            }
                        });
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

    private void assignAll(Consumer<byte[], byte[]> kafka) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : kafka.partitionsFor(settings.topic())) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        kafka.assign(partitions);
        if ("earliest".equals(settings.clientProperties().get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG))) {
            kafka.seekToBeginning(partitions); // asked for by the operator (or a test): the whole topic again
        } else {
            kafka.seekToEnd(partitions);
        }
        resolvePositions(kafka, partitions);
        new Rebalance().onPartitionsAssigned(partitions);
    }

    /**
     * Looks the seeked positions up now rather than at the first fetch, so "running" means every record produced
     * from here on is read: an event published right after readiness is not skipped by a later end lookup.
     */
    private void resolvePositions(Consumer<byte[], byte[]> kafka, Collection<TopicPartition> partitions) {
        try {
            for (TopicPartition partition : partitions) {
                despiteWakeups(() -> kafka.position(partition, Duration.ofSeconds(5)));
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            log.warn("Could not look up the start positions of {} yet: {}", partitionsOf(partitions), e.toString());
        }
    }

    /**
     * Every {@code metadataRefresh}: has the topic more partitions? The group rebalances by itself (its
     * leader's metadata is as fresh); a broadcast node assigns the new ones itself, from their beginning,
     * since everything in them was produced after the change.
     */
    private void checkPartitionCount(Consumer<byte[], byte[]> kafka) {
        long now = System.nanoTime();
        if (now < nextMetadataCheckNanos) {
            return;
        }
        nextMetadataCheckNanos = now + settings.metadataRefresh().toNanos();
        List<PartitionInfo> partitions;
        try {
            partitions = kafka.partitionsFor(settings.topic(), Duration.ofSeconds(1));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return; // asked again at the next check
        }
        int count = partitions == null ? 0 : partitions.size();
        int previous = partitionCount;
        if (count <= previous || previous == 0) {
            return;
        }
        partitionCount = count;
        log.info("Topic {} has {} partitions now (was {})", settings.topic(), count, previous);
        partitionListener.onPartitionCountChanged(previous, count);
        if (settings.mode() == RelayMode.BROADCAST) {
            List<TopicPartition> added = new ArrayList<>();
            for (int partition = previous; partition < count; partition++) {
                added.add(new TopicPartition(settings.topic(), partition));
            }
            List<TopicPartition> all = new ArrayList<>(kafka.assignment());
            all.addAll(added);
            kafka.assign(all);
            kafka.seekToBeginning(added);
            new Rebalance().onPartitionsAssigned(added);
        }
    }

    /**
     * A partition the group has never committed, in a group that has committed others, was added after
     * the group started: read it from its beginning, not from {@code auto.offset.reset=latest}, which
     * would skip what was produced to it before this node got it. A new group still starts at the end.
     */
    private void startNewPartitionsAtTheirBeginning(Consumer<byte[], byte[]> kafka, Collection<TopicPartition> assigned) {
        if (assigned.isEmpty() || settings.mode() != RelayMode.GROUP) {
            return;
        }
        try {
            Set<TopicPartition> all = new java.util.HashSet<>(assigned);
            for (int partition = 0; partition < partitionCount; partition++) {
                all.add(new TopicPartition(settings.topic(), partition));
            }
            Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(kafka, all);
            boolean groupHasHistory = committed.values().stream().anyMatch(java.util.Objects::nonNull);
            if (!groupHasHistory) {
                return;
            }
            List<TopicPartition> fresh = assigned.stream().filter(tp -> committed.get(tp) == null).toList();
            if (!fresh.isEmpty()) {
                log.info("Partitions {} have no committed offset in group {}: reading them from their beginning",
                        partitionsOf(fresh), settings.groupId());
                kafka.seekToBeginning(fresh);
            }
        } catch (RuntimeException e) {
            // left to auto.offset.reset; logged so a skipped start is visible
            log.warn("Could not read committed offsets of {}: {}", partitionsOf(assigned), e.toString());
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> committedOffsets(Consumer<byte[], byte[]> kafka,
                                                                    Set<TopicPartition> partitions) {
        return despiteWakeups(() -> kafka.committed(partitions, Duration.ofSeconds(5)));
    }

    /**
     * Runs a blocking consumer call on the loop thread, again if a {@link #runOnLoop} wakeup interrupted it:
     * the task that woke the consumer runs next anyway, so the wakeup is spent.
     */
    private <T> T despiteWakeups(java.util.function.Supplier<T> call) {
        for (int attempt = 0; ; attempt++) {
            try {
                return call.get();
            } catch (WakeupException e) {
                if (attempt >= 3 || isStopping()) {
                    throw e;
                }
            }
        }
    }

    private static Set<Integer> partitionsOf(Collection<TopicPartition> partitions) {
        Set<Integer> result = new TreeSet<>();
        for (TopicPartition partition : partitions) {
            result.add(partition.partition());
        }
        return result;
    }

    private void runLoopTasks(Consumer<byte[], byte[]> kafka) {
        LoopContext context = new LoopContext() {
            @Override
            public long position(int partition) {
                TopicPartition topicPartition = new TopicPartition(settings.topic(), partition);
                return despiteWakeups(() -> kafka.position(topicPartition, Duration.ofSeconds(5)));
            }

            @Override
            public java.util.OptionalLong endOffset(int partition) {
                TopicPartition topicPartition = new TopicPartition(settings.topic(), partition);
                try {
                    java.util.OptionalLong lag = kafka.currentLag(topicPartition);
                    return lag.isPresent() ? java.util.OptionalLong.of(position(partition) + lag.getAsLong()) : lag;
                } catch (IllegalStateException | UnsupportedOperationException notKnown) {
                    return java.util.OptionalLong.empty();
                }
            }

            @Override
            public Set<Integer> ownedPartitions() {
                return ownedPartitions;
            }
        };
        LoopTask task;
        while ((task = loopTasks.poll()) != null) {
            try {
                task.run(context);
            } catch (RuntimeException e) {
                taskFailureLog.error("Loop task failed", e);
            }
        }
    }

    /**
     * Tells the handler where each newly assigned partition starts: its first record in this batch, else the
     * consumer's position. {@code wait} bounds the whole call (the positions are looked up together on the first
     * call); whatever is not known by then is asked again, without waiting, after the next poll.
     */
    private void tellPositions(Consumer<byte[], byte[]> kafka, ConsumerRecords<byte[], byte[]> records, Duration wait) {
        if (positionsUntold.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        for (java.util.Iterator<Integer> it = positionsUntold.iterator(); it.hasNext(); ) {
            int partition = it.next();
            TopicPartition topicPartition = new TopicPartition(settings.topic(), partition);
            List<ConsumerRecord<byte[], byte[]>> batch = records.records(topicPartition);
            long position;
            if (!batch.isEmpty()) {
                position = batch.get(0).offset();
            } else {
                Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                try {
                    position = despiteWakeups(() -> kafka.position(topicPartition, left));
                } catch (org.apache.kafka.common.errors.TimeoutException | IllegalStateException
                         | WakeupException notYet) {
                    continue;
                }
            }
            handler.onPosition(partition, position);
            it.remove();
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

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            startNewPartitionsAtTheirBeginning(consumer, partitions);
            Set<Integer> added = partitionsOf(partitions);
            Set<Integer> owned = new TreeSet<>(ownedPartitions);
            owned.addAll(added);
            ownedPartitions = Set.copyOf(owned);
            positionsUntold.addAll(added);
            // before the node says it is ready, so a session registered at once gets a full resume point
            tellPositions(consumer, ConsumerRecords.empty(), Duration.ofSeconds(1));
            state.compareAndSet(State.JOINING, State.RUNNING);
            log.info("Partitions assigned: {}; now owning {}", added, new TreeSet<>(owned));
            rebalances("assigned").increment();
            partitionListener.onAssigned(added, ownedPartitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            removed(partitions, "revoked");
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            removed(partitions, "lost");
        }

        private void removed(Collection<TopicPartition> partitions, String how) {
            if (partitions.isEmpty()) {
                return;
            }
            Set<Integer> removed = partitionsOf(partitions);
            Set<Integer> owned = new TreeSet<>(ownedPartitions);
            owned.removeAll(removed);
            ownedPartitions = Set.copyOf(owned);
            positionsUntold.removeAll(removed);
            log.info("Partitions {}: {}; now owning {}", how, removed, new TreeSet<>(owned));
            rebalances(how).increment();
            partitionListener.onRevoked(removed, ownedPartitions);
        }
    }
}
