package io.notifyrelay.kafka;

import static io.notifyrelay.kafka.RelayConsumerTest.TOPIC;
import static io.notifyrelay.kafka.RelayConsumerTest.tp;
import static io.notifyrelay.kafka.RelayConsumerTest.valid;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.replay.RecentEvents;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.replay.ResumeRequest;
import io.notifyrelay.core.replay.ResumeTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The resume seam without a broker: {@link KafkaReplayer} over a {@link RelayConsumer} and a {@link ReplayReader},
 * both driven by kafka-clients' MockConsumer through the {@link ConsumerFactory} seam. What it pins: the seam is
 * taken on the consumer thread, so the replay ends exactly where live delivery starts (no gap, no duplicate);
 * memory is used when it reaches back far enough, Kafka otherwise; a resume never claims more than it replayed.
 */
class ResumeSeamTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final EnvelopeDecoder DECODER = new EnvelopeDecoder("epoch-01", 4096);
    static final ConsumerSettings SETTINGS = new ConsumerSettings("broker-1:9092", TOPIC, "relay-group",
            GroupProtocol.CLASSIC, null, Duration.ofMillis(7), Map.of());

    /** The topic as the replay consumers see it: every record ever produced, per partition. */
    final Map<Integer, List<ConsumerRecord<byte[], byte[]>>> log = new HashMap<>();
    /** First offset still in the log per partition (retention deletes the older ones). */
    final Map<Integer, Long> logStart = new HashMap<>();
    final AtomicInteger replayConsumers = new AtomicInteger();

    final MockConsumer<byte[], byte[]> live = new MockConsumer<>("earliest");
    /** What the consumer thread handed over, in order: the node's live stream. */
    final List<String> stream = new CopyOnWriteArrayList<>();
    final RecentEvents recent;
    RelayConsumer loop;
    ReplayReader reader;
    KafkaReplayer replayer;

    ResumeSeamTest() {
        this.recent = new RecentEvents(3);
    }

    static final ReplayReader.Limits DEFAULT_LIMITS = new ReplayReader.Limits(2, 1_000, Duration.ofSeconds(10));

    void start(ReplayReader.Limits limits) {
        create(limits);
        startLoop();
    }

    void create(ReplayReader.Limits limits) {
        loop = new RelayConsumer(SETTINGS, config -> live, DECODER, new RecordHandler() {
            @Override
            public void onEvent(RelayEvent event) {
                stream.add("live " + event.eventId());
                recent.add(event); // as RelayNode does: the window is filled on the consumer thread
            }

            @Override
            public void onRejected(DecodeResult.Rejected rejected) {
            }
        }, new PartitionListener() {
            @Override
            public void onAssigned(Set<Integer> added, Set<Integer> nowOwned) {
            }

            @Override
            public void onRevoked(Set<Integer> removed, Set<Integer> nowOwned) {
            }
        });
        reader = new ReplayReader(SETTINGS, config -> replayConsumer(), DECODER, limits);
        replayer = new KafkaReplayer(loop, recent, reader, new SimpleMeterRegistry());
    }

    void startLoop() {
        loop.start();
        live.schedulePollTask(() -> {
            live.updateBeginningOffsets(Map.of(tp(0), 0L, tp(1), 0L));
            live.rebalance(List.of(tp(0), tp(1)));
        });
        await().atMost(WAIT).until(loop::isReady);
    }

    void start() {
        start(DEFAULT_LIMITS);
    }

    @AfterEach
    void stop() {
        if (loop != null) {
            loop.close(Duration.ofSeconds(5));
        }
        if (reader != null) {
            reader.close();
        }
    }

    /** A fresh consumer over the whole log, as a replay opens one per read. */
    private MockConsumer<byte[], byte[]> replayConsumer() {
        replayConsumers.incrementAndGet();
        return new MockConsumer<>("earliest") {
            @Override
            public synchronized void assign(Collection<TopicPartition> partitions) {
                super.assign(partitions);
                Map<TopicPartition, Long> beginnings = new HashMap<>();
                for (TopicPartition partition : partitions) {
                    long start = logStart.getOrDefault(partition.partition(), 0L);
                    beginnings.put(partition, start);
                    for (ConsumerRecord<byte[], byte[]> record : log.getOrDefault(partition.partition(), List.of())) {
                        if (record.offset() >= start) {
                            addRecord(record);
                        }
                    }
                }
                updateBeginningOffsets(beginnings);
            }
        };
    }

    /** Produces {@code count} events to {@code partition} and waits until the live stream has them. */
    void produce(int partition, int count) {
        List<ConsumerRecord<byte[], byte[]>> records = log.computeIfAbsent(partition, p -> new ArrayList<>());
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long offset = records.size();
            ConsumerRecord<byte[], byte[]> record = valid(partition, offset, id(partition, offset));
            records.add(record);
            batch.add(record);
        }
        int before = stream.size();
        live.schedulePollTask(() -> batch.forEach(live::addRecord));
        await().atMost(WAIT).until(() -> stream.size() == before + count);
    }

    static String id(int partition, long offset) {
        return "p" + partition + "-" + offset;
    }

    /** A session being resumed: records what the replay does to it, in order. */
    final class Session implements ResumeTarget {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile Boolean recovered;
        volatile String reason;
        volatile Set<Integer> held;
        /** Position of the live stream when the seam was taken: what came after reaches this session live. */
        volatile int seamAt = -1;

        @Override
        public boolean wants(RelayEvent event) {
            return "lob-a".equals(event.lobId());
        }

        @Override
        public void deliverReplayed(RelayEvent event) {
            calls.add("replayed " + event.eventId());
        }

        @Override
        public boolean tryDeliverReplayedNow(RelayEvent event) {
            calls.add("replayed " + event.eventId());
            return true;
        }

        @Override
        public void goLive(Set<Integer> stillReplaying) {
            held = stillReplaying;
            seamAt = stream.size();
            calls.add("live from here, holding " + stillReplaying);
        }

        @Override
        public void finish(boolean recovered, String reason) {
            this.recovered = recovered;
            this.reason = reason;
            calls.add("finish");
        }

        List<String> replayed() {
            return calls.stream().filter(c -> c.startsWith("replayed ")).map(c -> c.substring(9)).toList();
        }

        void awaitFinish() {
            await().atMost(WAIT).until(() -> recovered != null);
        }
    }

    Session resume(Map<Integer, Long> fromOffsets) {
        Session session = new Session();
        replayer.resume(new ResumeRequest("lob-a", Set.of(0, 1), fromOffsets, null), session);
        return session;
    }

    @Test
    void aGapStillInMemoryIsReplayedFromMemoryUpToTheSeamAndNotReadFromKafka() {
        start();
        produce(0, 5); // the window keeps offsets 2, 3, 4

        Session session = resume(Map.of(0, 3L));
        session.awaitFinish();

        assertEquals(List.of("p0-3", "p0-4"), session.replayed());
        assertTrue(session.recovered);
        assertNull(session.reason);
        assertEquals(0, replayConsumers.get(), "memory covered the gap: no Kafka read");
        assertEquals(Set.of(0, 1), session.held, "every partition of the subscription is held until finish");
        // at the seam the session goes live first, then gets the few events memory holds, on the consumer thread
        assertEquals(List.of("live from here, holding [0, 1]", "replayed p0-3", "replayed p0-4", "finish"),
                session.calls);
    }

    @Test
    void aGapOlderThanTheWindowIsReadFromKafkaExactlyUpToWhereLiveDeliveryStarts() {
        start();
        produce(0, 10); // the window keeps 7, 8, 9 only

        Session session = resume(Map.of(0, 2L));
        session.awaitFinish();
        produce(0, 2); // after the seam: live, never replayed

        assertEquals(List.of("p0-2", "p0-3", "p0-4", "p0-5", "p0-6", "p0-7", "p0-8", "p0-9"), session.replayed());
        assertTrue(session.recovered);
        assertEquals(1, replayConsumers.get());
        assertEquals(10, session.seamAt, "the seam sits after the ten events handed over before the resume");
        assertEquals(List.of("live p0-10", "live p0-11"), stream.subList(session.seamAt, stream.size()));
    }

    @Test
    void theSeamIsTakenOnTheConsumerThreadBetweenTwoBatches() {
        start();
        produce(0, 4);
        produce(1, 4);

        Session session = resume(Map.of(0, 0L, 1, 2L));
        session.awaitFinish();
        produce(1, 3);

        // every event of the partitions before the seam was replayed, every one after it came live: together
        // each offset exactly once
        List<String> replayed = session.replayed();
        List<String> liveAfter = stream.subList(session.seamAt, stream.size()).stream()
                .map(line -> line.substring(5)).toList();
        List<String> all = new ArrayList<>(replayed);
        all.addAll(liveAfter);
        List<String> expected = new ArrayList<>();
        for (long offset = 0; offset < 4; offset++) {
            expected.add(id(0, offset));
        }
        for (long offset = 2; offset < 7; offset++) {
            expected.add(id(1, offset));
        }
        assertEquals(expected.stream().sorted().toList(), all.stream().sorted().toList());
        assertEquals(all.size(), Set.copyOf(all).size(), "no event twice");
    }

    @Test
    void aCursorAtTheLiveEndMissedNothingAndHoldsNothing() {
        start();
        produce(0, 3);

        Session session = resume(Map.of(0, 3L));
        session.awaitFinish();

        assertTrue(session.recovered);
        assertEquals(List.of(), session.replayed());
        assertEquals(Set.of(), session.held);
    }

    @Test
    void aCursorPastThePartitionsEndIsNeverCalledRecovered() {
        start();
        produce(0, 3);

        Session session = resume(Map.of(0, 1_000_000L));
        session.awaitFinish();

        assertFalse(session.recovered);
        assertEquals("cursor_out_of_range", session.reason);
        assertEquals(List.of(), session.replayed());
    }

    @Test
    void eventsDeletedByRetentionAreReportedAndTheRestIsStillReplayed() {
        start();
        produce(0, 10);
        logStart.put(0, 4L); // offsets 0-3 are gone from the log

        Session session = resume(Map.of(0, 1L));
        session.awaitFinish();

        assertFalse(session.recovered);
        assertEquals("retention", session.reason);
        assertEquals(List.of("p0-4", "p0-5", "p0-6", "p0-7", "p0-8", "p0-9"), session.replayed());
    }

    @Test
    void aGapLargerThanTheReplayLimitIsNotReadAndSaysSo() {
        start(new ReplayReader.Limits(2, 5, Duration.ofSeconds(10)));
        produce(0, 10);

        Session session = resume(Map.of(0, 0L));
        session.awaitFinish();

        assertFalse(session.recovered);
        assertEquals("replay_limit", session.reason);
        assertEquals(0, replayConsumers.get(), "a read past the limit is refused before a consumer is opened");
    }

    @Test
    void aCancelledResumeNeverFinishesAndLiveDeliveryGoesOn() {
        create(DEFAULT_LIMITS);
        // asked before the loop runs, so the seam cannot be taken before the cancel: loop tasks wait for it
        Session session = new Session();
        Replayer.Resume handle = replayer.resume(new ResumeRequest("lob-a", Set.of(0, 1), Map.of(0, 0L), null), session);
        handle.cancel();
        startLoop();

        // the positive that proves the negative: a resume issued after it finishes, and the live stream moves
        Session marker = resume(Map.of(0, 0L));
        marker.awaitFinish();
        produce(0, 1);

        assertNull(session.recovered, "a cancelled resume never calls finish");
        assertEquals(List.of(), session.calls);
        assertEquals(List.of("live p0-0"), stream);
    }
}
