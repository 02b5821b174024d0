package io.notifyrelay.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.core.RejectReason;
import io.notifyrelay.core.RelayEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The poll loop, driven by kafka-clients' MockConsumer through the ConsumerFactory seam. */
class RelayConsumerTest {

    static final String TOPIC = "notify.events";
    static final Duration WAIT = Duration.ofSeconds(10);
    static final ConsumerSettings SETTINGS = new ConsumerSettings("broker-1:9092", TOPIC, "relay-group",
            GroupProtocol.CLASSIC, null, Duration.ofMillis(7), Map.of());

    /** MockConsumer that also keeps the rebalance listener, to simulate lost partitions. */
    static class CapturingMockConsumer extends MockConsumer<byte[], byte[]> {
        volatile ConsumerRebalanceListener listener;

        CapturingMockConsumer() {
            super("earliest");
        }

        @Override
        public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
            this.listener = listener;
            super.subscribe(topics, listener);
        }
    }

    static final class RecordingHandler implements RecordHandler {
        final List<RelayEvent> events = new CopyOnWriteArrayList<>();
        final List<DecodeResult.Rejected> rejected = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        volatile Predicate<RelayEvent> throwOn = e -> false;

        @Override
        public void onEvent(RelayEvent event) {
            threads.add(Thread.currentThread().getName());
            events.add(event);
            if (throwOn.test(event)) {
                throw new IllegalStateException("handler failed on " + event.eventId());
            }
        }

        @Override
        public void onRejected(DecodeResult.Rejected rejection) {
            threads.add(Thread.currentThread().getName());
            rejected.add(rejection);
        }

        List<String> ids() {
            return events.stream().map(RelayEvent::eventId).collect(Collectors.toList());
        }
    }

    static final class RecordingListener implements PartitionListener {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public void onAssigned(Set<Integer> added, Set<Integer> nowOwned) {
            threads.add(Thread.currentThread().getName());
            calls.add("assigned " + new TreeSet<>(added) + " owning " + new TreeSet<>(nowOwned));
        }

        @Override
        public void onRevoked(Set<Integer> removed, Set<Integer> nowOwned) {
            threads.add(Thread.currentThread().getName());
            calls.add("revoked " + new TreeSet<>(removed) + " owning " + new TreeSet<>(nowOwned));
        }
    }

    final CapturingMockConsumer mock = new CapturingMockConsumer();
    final RecordingHandler handler = new RecordingHandler();
    final RecordingListener listener = new RecordingListener();
    final List<Map<String, Object>> configs = new CopyOnWriteArrayList<>();
    RelayConsumer relay;

    RelayConsumer create() {
        relay = new RelayConsumer(SETTINGS, config -> {
            configs.add(config);
            return mock;
        }, new EnvelopeDecoder("epoch-01", 4096), handler, listener);
        return relay;
    }

    RelayConsumer start() {
        create().start();
        return relay;
    }

    @AfterEach
    void stop() {
        if (relay != null) {
            relay.close(Duration.ofSeconds(5));
        }
    }

    static TopicPartition tp(int partition) {
        return new TopicPartition(TOPIC, partition);
    }

    /** Rebalances to exactly these partitions, on the consumer thread during its next poll (as Kafka does). */
    void assign(Integer... partitions) {
        List<TopicPartition> assignment = new ArrayList<>();
        Map<TopicPartition, Long> beginnings = new HashMap<>();
        for (int partition : partitions) {
            assignment.add(tp(partition));
            beginnings.put(tp(partition), 0L);
        }
        mock.schedulePollTask(() -> {
            mock.updateBeginningOffsets(beginnings);
            mock.rebalance(assignment);
        });
    }

    /** Makes these records the result of a later poll. */
    @SafeVarargs
    final void send(ConsumerRecord<byte[], byte[]>... records) {
        mock.schedulePollTask(() -> {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                mock.addRecord(record);
            }
        });
    }

    static ConsumerRecord<byte[], byte[]> record(int partition, long offset, String key, String value,
                                                 String... headerPairs) {
        RecordHeaders headers = new RecordHeaders();
        for (int i = 0; i < headerPairs.length; i += 2) {
            headers.add(headerPairs[i], headerPairs[i + 1].getBytes(UTF_8));
        }
        byte[] keyBytes = key == null ? null : key.getBytes(UTF_8);
        byte[] valueBytes = value.getBytes(UTF_8);
        return new ConsumerRecord<>(TOPIC, partition, offset, 1_700_000_000_000L + offset, TimestampType.CREATE_TIME,
                keyBytes == null ? -1 : keyBytes.length, valueBytes.length, keyBytes, valueBytes, headers,
                Optional.empty());
    }

    static ConsumerRecord<byte[], byte[]> valid(int partition, long offset, String id) {
        return record(partition, offset, "contact-" + offset, "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{}}",
                "ce_specversion", "1.0", "ce_id", id, "ce_lobid", "lob-a", "content-type", "application/json");
    }

    void awaitEvents(String... ids) {
        await().atMost(WAIT).untilAsserted(() -> assertEquals(List.of(ids), handler.ids()));
    }

    @Nested
    class Records {

        @Test
        void recordsAreDecodedAndHandedOverInOrder() {
            start();
            assign(0);
            send(valid(0, 0, "e0"), valid(0, 1, "e1"), valid(0, 2, "e2"), valid(0, 3, "e3"), valid(0, 4, "e4"));

            awaitEvents("e0", "e1", "e2", "e3", "e4");

            RelayEvent last = handler.events.get(4);
            assertEquals("lob-a", last.lobId());
            assertEquals("contact-4", last.contactId());
            assertEquals(0, last.partition());
            assertEquals(4L, last.offset());
            assertEquals("epoch-01", last.cursor().epoch());
            assertEquals(1_700_000_000_004L, last.timestampMs());
            assertTrue(handler.rejected.isEmpty());
            assertEquals(Set.of("relay-consumer"), Set.copyOf(handler.threads));
        }

        @Test
        void eachPartitionKeepsItsOrderAcrossPolls() {
            start();
            assign(0, 1);
            send(valid(0, 0, "p0-0"), valid(1, 0, "p1-0"), valid(0, 1, "p0-1"));
            send(valid(1, 1, "p1-1"), valid(0, 2, "p0-2"));

            await().atMost(WAIT).until(() -> handler.events.size() == 5);
            assertEquals(List.of("p0-0", "p0-1", "p0-2"), idsOf(0));
            assertEquals(List.of("p1-0", "p1-1"), idsOf(1));
        }

        private List<String> idsOf(int partition) {
            return handler.events.stream().filter(e -> e.partition() == partition).map(RelayEvent::eventId)
                    .collect(Collectors.toList());
        }

        @Test
        void malformedRecordsInTheMiddleAreRejectedAndLaterOnesStillArrive() {
            start();
            assign(0);
            send(valid(0, 0, "e0"),
                    record(0, 1, "contact-1", "{not json", "ce_specversion", "1.0", "ce_lobid", "lob-a"),
                    record(0, 2, null, "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{}}",
                            "ce_specversion", "1.0", "ce_lobid", "lob-a"),
                    valid(0, 3, "e3"));
            send(valid(0, 4, "e4"));

            awaitEvents("e0", "e3", "e4");
            assertEquals(2, handler.rejected.size());
            assertEquals(RejectReason.MALFORMED_JSON, handler.rejected.get(0).reason());
            assertEquals(1L, handler.rejected.get(0).record().offset());
            assertEquals(RejectReason.MISSING_KEY, handler.rejected.get(1).reason());
            assertEquals(2L, handler.rejected.get(1).record().offset());
        }

        @Test
        void aHandlerThatThrowsDoesNotStopTheLoop() {
            handler.throwOn = e -> e.eventId().equals("e1");
            start();
            assign(0);
            send(valid(0, 0, "e0"), valid(0, 1, "e1"), valid(0, 2, "e2"));
            send(valid(0, 3, "e3"));

            awaitEvents("e0", "e1", "e2", "e3");
            assertEquals(RelayConsumer.State.RUNNING, relay.state());
            assertTrue(relay.isAlive());
            assertNull(relay.failure());
        }

        @Test
        void pollsTheSubscribedTopicWithTheConfiguredTimeout() {
            start();
            assign(0);
            send(valid(0, 0, "e0"));
            awaitEvents("e0");

            assertEquals(Set.of(TOPIC), mock.subscription());
            assertEquals(SETTINGS.pollTimeout(), mock.lastPollTimeout());
            assertEquals(List.of(RelayConsumer.consumerConfig(SETTINGS)), configs);
        }
    }

    @Nested
    class Rebalancing {

        /**
         * The group's leader saw the topic grow before this consumer's metadata did and assigns a partition beyond
         * the count this node knows: it counts again at once (within 2 s here, the shipped refresh being 5 s), so it
         * never owns partition 2 while routing contacts over 2 partitions.
         */
        @Test
        void anAssignedPartitionBeyondTheKnownCountRaisesTheCountAtOnce() {
            mock.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null),
                    new PartitionInfo(TOPIC, 1, null, null, null)));
            start();
            assign(0, 1);
            await().atMost(WAIT).until(() -> relay.ownedPartitions().equals(Set.of(0, 1)));
            assertEquals(2, relay.partitionCount());

            assign(0, 1, 2);
            await().atMost(Duration.ofSeconds(2)).until(() -> relay.partitionCount() == 3);
            assertEquals(Set.of(0, 1, 2), relay.ownedPartitions());
        }

        @Test
        void assignmentAndRevocationUpdateOwnedPartitionsAndTellTheListener() {
            start();
            assign(0, 1);
            await().atMost(WAIT).until(() -> relay.ownedPartitions().equals(Set.of(0, 1)));

            assign(1, 2);
            await().atMost(WAIT).until(() -> relay.ownedPartitions().equals(Set.of(1, 2)));

            // the listener is told right after ownedPartitions changes: wait for it too
            await().atMost(WAIT).untilAsserted(() -> assertEquals(List.of(
                    "assigned [0, 1] owning [0, 1]",
                    "revoked [0] owning [1]",
                    "assigned [2] owning [1, 2]"), listener.calls));
            assertEquals(Set.of("relay-consumer"), Set.copyOf(listener.threads));
        }

        @Test
        void revokingEverythingLeavesNothingOwned() {
            start();
            assign(3, 4);
            await().atMost(WAIT).until(() -> relay.ownedPartitions().equals(Set.of(3, 4)));
            assign();
            await().atMost(WAIT).until(() -> relay.ownedPartitions().isEmpty());
            await().atMost(WAIT).untilAsserted(() -> assertTrue(listener.calls.contains("revoked [3, 4] owning []"),
                    listener.calls::toString));
        }

        @Test
        void lostPartitionsAreNoLongerOwned() {
            start();
            assign(0, 1, 2);
            await().atMost(WAIT).until(() -> relay.ownedPartitions().equals(Set.of(0, 1, 2)));

            mock.schedulePollTask(() -> mock.listener.onPartitionsLost(List.of(tp(1))));

            await().atMost(WAIT).until(() -> relay.ownedPartitions().equals(Set.of(0, 2)));
            await().atMost(WAIT).untilAsserted(() -> assertEquals("revoked [1] owning [0, 2]",
                    listener.calls.get(listener.calls.size() - 1)));
        }

        @Test
        void ownedPartitionsCannotBeModifiedByCallers() {
            start();
            assign(0);
            await().atMost(WAIT).until(() -> relay.ownedPartitions().equals(Set.of(0)));
            assertThrows(UnsupportedOperationException.class, () -> relay.ownedPartitions().add(9));
        }
    }

    @Nested
    class Lifecycle {

        @Test
        void readyOnlyOnceTheGroupHasAssignedPartitions() throws InterruptedException {
            CountDownLatch polling = new CountDownLatch(1);
            mock.schedulePollTask(polling::countDown);
            start();
            assertTrue(polling.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the loop never polled");

            assertEquals(RelayConsumer.State.JOINING, relay.state());
            assertFalse(relay.isReady());
            assertTrue(relay.isAlive());

            assign(0, 1);
            await().atMost(WAIT).until(relay::isReady);
            assertEquals(RelayConsumer.State.RUNNING, relay.state());
        }

        @Test
        void anEmptyAssignmentAlsoMakesItReady() {
            start();
            assign();
            await().atMost(WAIT).until(relay::isReady);
            assertEquals(Set.of(), relay.ownedPartitions());
            await().atMost(WAIT).untilAsserted(() -> assertEquals(List.of("assigned [] owning []"), listener.calls));
        }

        @Test
        void closeWakesTheLoopWhichStopsAndClosesTheConsumer() {
            start();
            assign(0);
            await().atMost(WAIT).until(relay::isReady);

            long started = System.nanoTime();
            relay.close(Duration.ofSeconds(5));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertEquals(RelayConsumer.State.STOPPED, relay.state());
            assertTrue(mock.closed(), "the Kafka consumer was not closed");
            assertTrue(tookMs < 5000, "close took " + tookMs + " ms");
            assertFalse(relay.isReady());
            assertTrue(relay.isAlive());
        }

        @Test
        void closeWhileStillJoiningStops() {
            start();
            relay.close(Duration.ofSeconds(5));
            assertEquals(RelayConsumer.State.STOPPED, relay.state());
            assertTrue(mock.closed());
        }

        @Test
        void closeTwiceIsHarmless() {
            start();
            relay.close(Duration.ofSeconds(5));
            relay.close(Duration.ofSeconds(5));
            assertEquals(RelayConsumer.State.STOPPED, relay.state());
        }

        @Test
        void closeBeforeStartNeverCreatesAConsumer() {
            create();
            relay.close(Duration.ofSeconds(1));
            assertEquals(RelayConsumer.State.STOPPED, relay.state());
            assertTrue(configs.isEmpty());
            assertThrows(IllegalStateException.class, relay::start);
            relay = null; // closed already; see closingAnUnstartedConsumerAgainReturnsAtOnce
        }

        @Test
        void closingAnUnstartedConsumerAgainReturnsAtOnce() {
            create();
            relay.close(Duration.ofSeconds(1));
            long started = System.nanoTime();
            relay.close(Duration.ofSeconds(3));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            relay = null;
            assertTrue(tookMs < 1000, "second close of a never-started consumer waited " + tookMs + " ms");
        }

        /** E.g. a pass-through property the client rejects: start fails, and the node must not look alive. */
        @Test
        void consumerThatCannotBeCreatedLeavesALoopThatIsNotAliveAndClosesAtOnce() {
            KafkaException invalid = new KafkaException("Failed to construct kafka consumer");
            relay = new RelayConsumer(SETTINGS, config -> {
                throw invalid;
            }, new EnvelopeDecoder("epoch-01", 4096), handler, listener);

            assertSame(invalid, assertThrows(KafkaException.class, relay::start));
            assertFalse(relay.isReady());

            long started = System.nanoTime();
            relay.close(Duration.ofSeconds(3));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            RelayConsumer.State state = relay.state();
            relay = null;
            assertTrue(tookMs < 1000, "close waited " + tookMs + " ms for a loop that never ran");
            assertTrue(state == RelayConsumer.State.STOPPED || state == RelayConsumer.State.FAILED, state::name);
        }

        @Test
        void startTwiceIsRefused() {
            start();
            assertThrows(IllegalStateException.class, relay::start);
            assertEquals(1, configs.size());
        }
    }

    @Nested
    class Errors {

        @Test
        void nonRetriableKafkaErrorMarksTheLoopFailed() {
            start();
            assign(0);
            await().atMost(WAIT).until(relay::isReady);

            KafkaException fatal = new AuthorizationException("not allowed to read " + TOPIC);
            mock.setPollException(fatal);

            await().atMost(WAIT).until(() -> relay.state() == RelayConsumer.State.FAILED);
            assertFalse(relay.isAlive());
            assertFalse(relay.isReady());
            assertSame(fatal, relay.failure());
            await().atMost(WAIT).until(mock::closed);

            relay.close(Duration.ofSeconds(1));
            assertEquals(RelayConsumer.State.FAILED, relay.state(), "close must not hide the failure");
        }

        @Test
        void plainKafkaExceptionMarksTheLoopFailed() {
            start();
            mock.setPollException(new KafkaException("boom"));
            await().atMost(WAIT).until(() -> relay.state() == RelayConsumer.State.FAILED);
            assertFalse(relay.isAlive());
        }

        @Test
        void retriableErrorIsRetriedAndTheLoopKeepsGoing() {
            start();
            assign(0);
            send(valid(0, 0, "before"));
            AtomicInteger thrown = new AtomicInteger();
            mock.schedulePollTask(() -> {
                thrown.incrementAndGet();
                mock.setPollException(new TimeoutException("broker slow"));
            });
            send(valid(0, 1, "after"));

            awaitEvents("before", "after");
            assertEquals(1, thrown.get());
            assertEquals(RelayConsumer.State.RUNNING, relay.state());
            assertTrue(relay.isAlive());
            assertNull(relay.failure());
        }

        @Test
        void closeDuringARetryBackOffStillStops() {
            start();
            assign(0);
            await().atMost(WAIT).until(relay::isReady);
            CountDownLatch failedOnce = new CountDownLatch(1);
            mock.schedulePollTask(() -> {
                mock.setPollException(new TimeoutException("broker slow"));
                failedOnce.countDown();
            });
            await().atMost(WAIT).until(() -> failedOnce.getCount() == 0);

            relay.close(Duration.ofSeconds(5));
            assertEquals(RelayConsumer.State.STOPPED, relay.state());
            assertTrue(mock.closed());
        }

        /** Javadoc: transient Kafka errors are retried, "anything else stops the loop and marks it failed". */
        @Test
        void unexpectedRuntimeExceptionMarksTheLoopFailed() {
            start();
            assign(0);
            await().atMost(WAIT).until(relay::isReady);

            mock.schedulePollTask(() -> {
                throw new IllegalArgumentException("something nobody planned for");
            });

            await().atMost(Duration.ofSeconds(3)).until(() -> relay.state() == RelayConsumer.State.FAILED);
            assertFalse(relay.isAlive());
            assertTrue(relay.failure() instanceof IllegalArgumentException);
        }
    }

    @Nested
    class Broadcast {

        @Test
        void readsEveryPartitionFromTheLiveEndWithoutAGroup() {
            ConsumerSettings settings = new ConsumerSettings("broker-1:9092", TOPIC, "relay-group",
                    GroupProtocol.CLASSIC, null, Duration.ofMillis(7), Map.of(), RelayMode.BROADCAST, "notify-relay");
            mock.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null),
                    new PartitionInfo(TOPIC, 1, null, null, null), new PartitionInfo(TOPIC, 2, null, null, null)));
            mock.updateEndOffsets(Map.of(tp(0), 5L, tp(1), 0L, tp(2), 7L));
            relay = new RelayConsumer(settings, config -> {
                configs.add(config);
                return mock;
            }, new EnvelopeDecoder("epoch-01", 4096), handler, listener);
            relay.start();

            await().atMost(WAIT).until(relay::isReady);
            assertEquals(Set.of(0, 1, 2), relay.ownedPartitions());
            await().atMost(WAIT).untilAsserted(() -> assertEquals(List.of("assigned [0, 1, 2] owning [0, 1, 2]"),
                    listener.calls));
            assertEquals(Set.of(tp(0), tp(1), tp(2)), mock.assignment());
            assertTrue(mock.subscription().isEmpty(), "broadcast mode must not join a group");

            // "history" below the end offsets is not delivered
            send(valid(0, 4, "history"), valid(0, 5, "live-0"), valid(2, 7, "live-2"));
            await().atMost(WAIT).until(() -> handler.events.size() >= 2);
            assertEquals(Set.of("live-0", "live-2"), Set.copyOf(handler.ids()));
            assertEquals(2, handler.events.size());
        }

        /** A partition added while running is read, from its beginning: everything in it is new. */
        @Test
        void assignsAddedPartitionsFromTheirBeginning() {
            // a 1 s refresh instead of the 5 s default, to keep the test short
            ConsumerSettings settings = new ConsumerSettings("broker-1:9092", TOPIC, "relay-group",
                    GroupProtocol.CLASSIC, null, Duration.ofMillis(7), Map.of(), RelayMode.BROADCAST, "notify-relay",
                    Duration.ofSeconds(1));
            mock.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null),
                    new PartitionInfo(TOPIC, 1, null, null, null)));
            mock.updateEndOffsets(Map.of(tp(0), 5L, tp(1), 0L, tp(2), 3L));
            mock.updateBeginningOffsets(Map.of(tp(2), 0L));
            relay = new RelayConsumer(settings, config -> mock, new EnvelopeDecoder("epoch-01", 4096), handler,
                    listener);
            relay.start();
            await().atMost(WAIT).until(relay::isReady);
            assertEquals(2, relay.partitionCount());

            mock.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null),
                    new PartitionInfo(TOPIC, 1, null, null, null), new PartitionInfo(TOPIC, 2, null, null, null)));

            await().atMost(WAIT).until(() -> relay.ownedPartitions().equals(Set.of(0, 1, 2)));
            assertEquals(3, relay.partitionCount());
            assertTrue(listener.calls.contains("assigned [2] owning [0, 1, 2]"), listener.calls.toString());
            send(valid(2, 0, "first-of-new"));
            awaitEvents("first-of-new");
        }
    }
}
