package io.notifyrelay.kafka;

import io.notifyrelay.core.log.RateLimitedLog;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resume seam of {@link RelayConsumer}: tasks queued from any thread and run on the consumer thread between
 * two batches, with the consumer's positions at hand ({@link RelayConsumer#runOnLoop}).
 */
final class LoopTasks {

    private static final Logger log = LoggerFactory.getLogger(RelayConsumer.class);
    /** Resumes (clients) can make these fail over and over: a few lines a second at most. */
    private static final RateLimitedLog taskFailureLog = new RateLimitedLog(log, 5);

    private final String topic;
    private final KafkaCalls calls;
    private final Supplier<Set<Integer>> ownedPartitions;
    private final Queue<RelayConsumer.LoopTask> queue = new ConcurrentLinkedQueue<>();

    LoopTasks(String topic, KafkaCalls calls, Supplier<Set<Integer>> ownedPartitions) {
        this.topic = topic;
        this.calls = calls;
        this.ownedPartitions = ownedPartitions;
    }

    void add(RelayConsumer.LoopTask task) {
        queue.add(task);
    }

    /** Runs every queued task on the calling (consumer) thread; one failing task does not stop the others. */
    void runAll(Consumer<byte[], byte[]> kafka) {
        if (queue.isEmpty()) {
            return;
        }
        RelayConsumer.LoopContext context = new Context(kafka);
        RelayConsumer.LoopTask task;
        while ((task = queue.poll()) != null) {
            try {
                task.run(context);
            } catch (RuntimeException e) {
                taskFailureLog.error("Loop task failed", e);
            }
        }
    }

    private final class Context implements RelayConsumer.LoopContext {
        private final Consumer<byte[], byte[]> kafka;

        Context(Consumer<byte[], byte[]> kafka) {
            this.kafka = kafka;
        }

        @Override
        public long position(int partition) {
            TopicPartition topicPartition = new TopicPartition(topic, partition);
            return calls.despiteWakeups(() -> kafka.position(topicPartition, Duration.ofSeconds(5)));
        }

        @Override
        public OptionalLong endOffset(int partition) {
            TopicPartition topicPartition = new TopicPartition(topic, partition);
            try {
                OptionalLong lag = kafka.currentLag(topicPartition);
                return lag.isPresent() ? OptionalLong.of(position(partition) + lag.getAsLong()) : lag;
            } catch (IllegalStateException | UnsupportedOperationException notKnown) {
                return OptionalLong.empty();
            }
        }

        @Override
        public Set<Integer> ownedPartitions() {
            return ownedPartitions.get();
        }
    }
}
