package io.notifyrelay.kafka;

import static io.notifyrelay.kafka.RelayConsumerTest.WAIT;
import static io.notifyrelay.kafka.RelayConsumerTest.tp;
import static io.notifyrelay.kafka.RelayConsumerTest.valid;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.notifyrelay.core.EnvelopeDecoder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A group member that hands its partitions' duties to another reader of the node (anywhere mode). */
class GroupHandoverTest {

    /** The other reader as the member sees it: its position and progress, set by the test. */
    static final class FakeHandover implements PartitionHandover {
        final Map<Integer, Long> readerNext = new ConcurrentHashMap<>();
        final Map<Integer, Long> progress = new ConcurrentHashMap<>();
        final Map<Integer, Long> boundaries = new ConcurrentHashMap<>();
        final List<Integer> takenBack = new CopyOnWriteArrayList<>();

        @Override
        public boolean handOver(int partition, long position) {
            Long next = readerNext.get(partition);
            if (next == null || position < next) {
                return false;
            }
            boundaries.put(partition, position);
            progress.putIfAbsent(partition, position);
            return true;
        }

        @Override
        public long progress(int partition) {
            return progress.getOrDefault(partition, -1L);
        }

        @Override
        public long takeBack(int partition) {
            takenBack.add(partition);
            return boundaries.remove(partition) == null ? -1 : progress.remove(partition);
        }

        @Override
        public double lag(int partition) {
            return boundaries.containsKey(partition) ? 42 : Double.NaN;
        }
    }

    /** Keeps the explicit commits: the mock's own auto-commit writes its positions to the same map. */
    static final class CommitsMockConsumer extends RelayConsumerTest.CapturingMockConsumer {
        final List<Map<TopicPartition, OffsetAndMetadata>> commits = new CopyOnWriteArrayList<>();

        @Override
        public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            commits.add(Map.copyOf(offsets));
            super.commitSync(offsets, timeout);
        }
    }

    final CommitsMockConsumer mock = new CommitsMockConsumer();
    final RelayConsumerTest.RecordingHandler duties = new RelayConsumerTest.RecordingHandler();
    final FakeHandover handover = new FakeHandover();
    RelayConsumer member;

    @AfterEach
    void stop() {
        if (member != null) {
            member.close(Duration.ofSeconds(5));
        }
    }

    void start() {
        member = new RelayConsumer(RelayConsumerTest.SETTINGS, config -> mock, new EnvelopeDecoder("epoch-01", 4096),
                duties, new RelayConsumerTest.RecordingListener(), new SimpleMeterRegistry(), handover);
        member.start();
        mock.schedulePollTask(() -> {
            mock.updateBeginningOffsets(Map.of(tp(0), 0L, tp(1), 0L));
            mock.rebalance(List.of(tp(0), tp(1)));
        });
    }

    @Test
    void readsUntilCaughtUpWithTheReaderThenPausesAndCommitsTheReadersProgress() {
        handover.readerNext.put(0, 2L);
        start();
        mock.schedulePollTask(() -> {
            mock.updateEndOffsets(Map.of(tp(0), 2L, tp(1), 0L));
            mock.addRecord(valid(0, 0, "e0"));
            mock.addRecord(valid(0, 1, "e1"));
        });
        await().atMost(WAIT).until(() -> mock.paused().contains(tp(0)));
        assertEquals(List.of("e0", "e1"), duties.ids(), "the member did the duties before the boundary");
        assertEquals(2L, handover.boundaries.get(0));
        assertTrue(!mock.paused().contains(tp(1)), "partition 1: the reader's start is not known yet");

        handover.progress.put(0, 9L); // the reader did the duties of 2..8
        await().atMost(WAIT).until(() -> mock.position(tp(0)) == 9L); // what auto-commit commits
        mock.schedulePollTask(() -> mock.addRecord(valid(0, 9, "e9")));
        handover.progress.put(0, 11L);
        await().atMost(WAIT).until(() -> mock.position(tp(0)) == 11L);
        assertEquals(List.of("e0", "e1"), duties.ids(), "a paused partition is not read");

        mock.schedulePollTask(() -> mock.rebalance(List.of(tp(1))));
        await().atMost(WAIT).until(() -> handover.takenBack.contains(0));
        assertEquals(List.of(Map.of(tp(0), new OffsetAndMetadata(11L))), mock.commits,
                "the next owner starts where the reader's duties stopped");
    }

    @Test
    void aLostPartitionIsTakenBackWithoutACommit() {
        handover.readerNext.put(0, 0L);
        start();
        mock.schedulePollTask(() -> mock.updateEndOffsets(Map.of(tp(0), 0L, tp(1), 0L)));
        await().atMost(WAIT).until(() -> mock.paused().contains(tp(0)));
        handover.progress.put(0, 5L);
        mock.schedulePollTask(() -> mock.listener.onPartitionsLost(List.of(tp(0))));
        await().atMost(WAIT).until(() -> handover.takenBack.contains(0));
        assertEquals(List.of(), mock.commits, "a lost partition is another member's");
    }
}
