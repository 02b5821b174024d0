package io.notifyrelay.kafka;

import io.notifyrelay.core.log.RateLimitedLog;
import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.replay.ResumeTarget;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads ranges of the topic again for resuming sessions, on its own consumers and threads so a replay
 * never delays live delivery. At most {@code concurrency} Kafka reads run at once; the rest queue, bounded per
 * session and per LOB and taking turns between LOBs ({@link ReplayQueue}). Events already in memory are handed
 * over on a lane of their own, so a resume from memory never waits behind a Kafka read.
 */
public final class ReplayReader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplayReader.class);
    /** Clients start replays: their failures must not flood the log. */
    private static final RateLimitedLog failureLog = new RateLimitedLog(log, 5);
    /**
     * How long a read waits for a client that fell behind before it pauses and gives its thread back: long enough
     * that a client that reads does not pay for a new consumer each time, short enough that stalled ones cost little.
     */
    private static final long ROOM_GRACE_MS = 1_000;

    /** How a replay of one partition ended. */
    public enum Outcome { COMPLETE, RETENTION, LIMIT, BUSY, TIMEOUT, FAILED, CANCELLED }

    /**
     * @param maxRecords          records one replay may scan
     * @param timeout             how long one replay may take
     * @param maxQueuedPerSession Kafka reads one session may have queued or running (one per partition)
     * @param maxQueuedPerLob     Kafka reads all sessions of one LOB may have queued or running
     */
    public record Limits(int concurrency, long maxRecords, Duration timeout, int maxQueuedPerSession,
                         int maxQueuedPerLob) {
        public static final int DEFAULT_MAX_QUEUED_PER_SESSION = 32;
        public static final int DEFAULT_MAX_QUEUED_PER_LOB = 128;

        public Limits(int concurrency, long maxRecords, Duration timeout) {
            this(concurrency, maxRecords, timeout, DEFAULT_MAX_QUEUED_PER_SESSION, DEFAULT_MAX_QUEUED_PER_LOB);
        }
    }

    /** One session's resume: its reads are counted, taken in turn with other LOBs' and cancelled together. */
    public static final class Owner {
        final ReplayQueue.Owner queued;

        private Owner(String lob) {
            this.queued = new ReplayQueue.Owner(lob);
        }

        public boolean cancelled() {
            return queued.cancelled();
        }
    }

    private final ConsumerSettings settings;
    private final ConsumerFactory consumerFactory;
    private final EnvelopeDecoder decoder;
    private final Limits limits;
    private final ExecutorService executor;
    private final ExecutorService memoryLane;
    private final ReplayQueue queue;

    public ReplayReader(ConsumerSettings settings, ConsumerFactory consumerFactory, EnvelopeDecoder decoder,
                        Limits limits) {
        this.settings = settings;
        this.consumerFactory = consumerFactory;
        this.decoder = decoder;
        this.limits = limits;
        this.executor = threads("relay-replay-", limits.concurrency());
        this.memoryLane = threads("relay-replay-memory-", limits.concurrency());
        // the executor's own queue holds one "take the next read" per queued read: the bound is the ReplayQueue's
        this.queue = new ReplayQueue(new ReplayQueue.Limits(limits.maxQueuedPerSession(), limits.maxQueuedPerLob()),
                executor);
    }

    private static ExecutorService threads(String prefix, int count) {
        AtomicInteger threads = new AtomicInteger();
        return new ThreadPoolExecutor(count, count, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, prefix + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A new resume of a session of {@code lob}. */
    public Owner owner(String lob) {
        return new Owner(lob);
    }

    /** Drops the owner's queued reads and makes its running ones stop at their next batch. */
    public void cancel(Owner owner) {
        queue.cancel(owner.queued);
    }

    /** Kafka reads queued or running for {@code lob}. */
    public int pendingReads(String lob) {
        return queue.pending(lob);
    }

    private Map<String, Object> config() {
        return settings.standaloneReaderConfig("notify-relay-replay");
    }

    /**
     * The in-memory lane; what follows a replay (subscribed, then the held live events) runs there, never on the
     * consumer thread and never behind a Kafka read.
     */
    java.util.concurrent.Executor memoryLane() {
        return memoryLane;
    }

    /**
     * First offset at or after {@code since} for each partition; partitions with none map to null. Null when
     * the owner or its LOB has its maximum of queued reads.
     */
    public CompletableFuture<Map<Integer, Long>> offsetsAt(Owner owner, Set<Integer> partitions, Instant since) {
        return queue.submit(owner.queued, () -> {
            try (org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer = consumerFactory.create(config())) {
                Map<TopicPartition, Long> query = new HashMap<>();
                partitions.forEach(p -> query.put(new TopicPartition(settings.topic(), p), since.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, Duration.ofSeconds(10));
                Map<Integer, Long> result = new HashMap<>();
                found.forEach((tp, offset) -> result.put(tp.partition(), offset == null ? null : offset.offset()));
                return result;
            }
        });
    }

    /**
     * Reads {@code [from, toExclusive)} of {@code partition}, handing every event the target wants to it in offset
     * order. When the target's client falls behind, the read gives its thread back and continues from where it
     * stopped once the client has room ({@link ResumeTarget#whenRoom}), at the back of the line again.
     */
    public CompletableFuture<Outcome> replay(Owner owner, int partition, long from, long toExclusive,
                                             ResumeTarget target) {
        if (from >= toExclusive) {
            return CompletableFuture.completedFuture(Outcome.COMPLETE);
        }
        // offsets are never negative (cursors and the log start are not), so this difference cannot overflow
        if (from < 0 || toExclusive - from > limits.maxRecords()) {
            return CompletableFuture.completedFuture(Outcome.LIMIT);
        }
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + limits.timeout().toNanos();
        if (!readStep(owner, partition, from, toExclusive, target, Outcome.COMPLETE, deadline, result)) {
            return CompletableFuture.completedFuture(Outcome.BUSY);
        }
        return result;
    }

    /** How one step of a read ended: with an outcome, or paused at {@code resumeAt} until the client has room. */
    private record Step(Outcome outcome, long resumeAt, Outcome soFar) {
        boolean paused() {
            return outcome == null;
        }
    }

    /** Queues one step; false when the owner or its LOB has its maximum of queued reads. */
    private boolean readStep(Owner owner, int partition, long from, long toExclusive, ResumeTarget target,
                             Outcome soFar, long deadline, CompletableFuture<Outcome> result) {
        CompletableFuture<Step> step = queue.submit(owner.queued,
                () -> read(owner, partition, from, toExclusive, target, soFar, deadline));
        if (step == null) {
            return false;
        }
        step.whenComplete((done, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (!done.paused()) {
                result.complete(done.outcome());
            } else {
                target.whenRoom(() -> {
                    if (!readStep(owner, partition, done.resumeAt(), toExclusive, target, done.soFar(), deadline,
                            result)) {
                        result.complete(owner.cancelled() ? Outcome.CANCELLED : Outcome.BUSY);
                    }
                });
            }
        });
        return true;
    }

    /** Hands over events already in memory on the memory lane, where the sink may wait for a slow client. */
    public CompletableFuture<Outcome> replay(Owner owner, List<RelayEvent> events, Consumer<RelayEvent> sink) {
        return CompletableFuture.supplyAsync(() -> {
            for (RelayEvent event : events) {
                if (owner.cancelled()) {
                    return Outcome.CANCELLED;
                }
                sink.accept(event);
            }
            return Outcome.COMPLETE;
        }, memoryLane);
    }

    private Step read(Owner owner, int partition, long from, long toExclusive, ResumeTarget target, Outcome soFar,
                      long deadline) {
        TopicPartition topicPartition = new TopicPartition(settings.topic(), partition);
        try (org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer = consumerFactory.create(config())) {
            consumer.assign(List.of(topicPartition));
            long logStart = consumer.beginningOffsets(List.of(topicPartition), Duration.ofSeconds(10)).get(topicPartition);
            Outcome outcome = soFar;
            long start = from;
            if (from < logStart) {
                // the oldest missed events are gone; deliver what is left and say so
                outcome = Outcome.RETENTION;
                start = logStart;
            }
            consumer.seek(topicPartition, start);
            while (consumer.position(topicPartition) < toExclusive) {
                if (owner.cancelled()) {
                    return done(Outcome.CANCELLED); // the session is gone: free the thread for someone else
                }
                if (System.nanoTime() > deadline) {
                    return done(Outcome.TIMEOUT);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() >= toExclusive) {
                        return done(outcome);
                    }
                    if (owner.cancelled()) {
                        return done(Outcome.CANCELLED);
                    }
                    DecodeResult result = decoder.decode(KafkaRecords.toInbound(record));
                    if (result instanceof DecodeResult.Accepted accepted && target.wants(accepted.event())) {
                        if (!target.hasRoom() && !target.awaitRoom(ROOM_GRACE_MS)) {
                            // a client that does not read: pause here rather than hold a replay thread meanwhile
                            return new Step(null, record.offset(), outcome);
                        }
                        target.deliverReplayed(accepted.event());
                    }
                }
            }
            return done(outcome);
        } catch (RuntimeException e) {
            failureLog.warn("Replay of partition {} from {} failed: {}", partition, from, e.toString());
            return done(Outcome.FAILED);
        }
    }

    private static Step done(Outcome outcome) {
        return new Step(outcome, -1, null);
    }

    @Override
    public void close() {
        executor.shutdownNow();
        memoryLane.shutdownNow();
    }
}
