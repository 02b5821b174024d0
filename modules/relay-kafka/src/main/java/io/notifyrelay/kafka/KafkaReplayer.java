package io.notifyrelay.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.replay.RecentEvents;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.replay.ResumeRequest;
import io.notifyrelay.core.replay.ResumeTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Resumes sessions from their cursors: from the in-memory window of recent events when it reaches back
 * far enough, else from Kafka. The seam with the live stream is taken on the consumer thread, where
 * the position of each partition is exactly the first offset the session will get live.
 */
public final class KafkaReplayer implements Replayer {

    private final RelayConsumer consumer;
    private final RecentEvents recent;
    private final ReplayReader reader;
    private final MeterRegistry meterRegistry;

    /** @param recent the window the consumer thread fills; only touched on that thread */
    public KafkaReplayer(RelayConsumer consumer, RecentEvents recent, ReplayReader reader) {
        this(consumer, recent, reader, new CompositeMeterRegistry());
    }

    public KafkaReplayer(RelayConsumer consumer, RecentEvents recent, ReplayReader reader, MeterRegistry meterRegistry) {
        this.meterRegistry = meterRegistry;
        this.consumer = consumer;
        this.recent = recent;
        this.reader = reader;
        // at zero from start-up, so dashboards see the series before the first resume
        for (String source : java.util.List.of("nothing_missed", "memory", "kafka")) {
            resumes(source);
        }
        for (ReplayReader.Outcome outcome : ReplayReader.Outcome.values()) {
            replays(outcome.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Override
    public Resume resume(ResumeRequest request, ResumeTarget target) {
        ReplayReader.Owner owner = reader.owner(request.lobId());
        if (request.since() == null) {
            consumer.runOnLoop(context -> resumeAtSeam(owner, request, request.fromOffsets(), Map.of(), target, context));
            return () -> reader.cancel(owner);
        }
        CompletableFuture<Map<Integer, Long>> lookup = reader.offsetsAt(owner, request.partitions(), request.since());
        if (lookup == null) {
            consumer.runOnLoop(context -> liveOnly(target, "replay_busy"));
            return () -> reader.cancel(owner);
        }
        lookup.whenComplete((offsets, failure) -> {
            if (owner.cancelled()) {
                return;
            }
            if (failure != null) {
                consumer.runOnLoop(context -> liveOnly(target, "replay_failed"));
                return;
            }
            // a partition with no event since then has nothing to replay; these offsets are Kafka's, not the client's
            Map<Integer, Long> fromTime = new HashMap<>();
            offsets.forEach((partition, offset) -> {
                if (offset != null && !request.fromOffsets().containsKey(partition)) {
                    fromTime.put(partition, offset); // an explicit cursor is more precise than a time
                }
            });
            consumer.runOnLoop(context -> resumeAtSeam(owner, request, request.fromOffsets(), fromTime, target, context));
        });
        return () -> reader.cancel(owner);
    }

    private static void liveOnly(ResumeTarget target, String reason) {
        target.goLive(Set.of());
        target.finish(false, reason);
    }

    /**
     * @param fromCursors first offsets the client's cursors ask for: checked against the partition's range
     * @param fromTime    first offsets Kafka found for {@code since}
     */
    private void resumeAtSeam(ReplayReader.Owner owner, ResumeRequest request, Map<Integer, Long> fromCursors,
                              Map<Integer, Long> fromTime, ResumeTarget target, RelayConsumer.LoopContext context) {
        if (owner.cancelled()) {
            countReplay("cancelled");
            return;
        }
        List<CompletableFuture<ReplayReader.Outcome>> replays = new ArrayList<>();
        Set<Integer> replaying = new TreeSet<>();
        List<RelayEvent> fromMemory = new ArrayList<>();
        List<long[]> fromKafka = new ArrayList<>();
        Map<Integer, Long> from = new TreeMap<>(fromTime);
        from.putAll(fromCursors);
        boolean outOfRange = false;
        for (Map.Entry<Integer, Long> entry : from.entrySet()) {
            int partition = entry.getKey();
            if (!request.partitions().contains(partition) || !context.ownedPartitions().contains(partition)) {
                continue;
            }
            long first = entry.getValue();
            long live = context.position(partition);
            if (first >= live) {
                // nothing missed, unless the cursor is past the partition's end: then it was never one of its
                // offsets (a crafted cursor), and the client must not be told it is complete
                if (fromCursors.containsKey(partition) && first > live) {
                    OptionalLong end = context.endOffset(partition);
                    outOfRange |= end.isPresent() && first > end.getAsLong();
                }
                continue;
            }
            replaying.add(partition);
            if (recent.covers(partition, first)) {
                // copy the references now; sending happens at once or on the memory lane, never waiting here
                recent.forEachFrom(partition, first, event -> {
                    if (target.wants(event)) {
                        fromMemory.add(event);
                    }
                });
            } else {
                fromKafka.add(new long[] {partition, first, live});
            }
        }
        // hold every partition of the subscription, not only those being replayed, so that no live
        // event overtakes the subscribed frame that ends the replay
        Set<Integer> held = new TreeSet<>(request.partitions());
        held.retainAll(context.ownedPartitions());
        target.goLive(replaying.isEmpty() ? Set.of() : held);
        String requestProblem = outOfRange ? "cursor_out_of_range" : null;
        if (replaying.isEmpty()) {
            countResume("nothing_missed");
            target.finish(requestProblem == null, requestProblem);
            return;
        }
        countResume(fromKafka.isEmpty() ? "memory" : "kafka");
        // a few events from memory go out now, on this thread, if the session has room: no replay thread, no queue
        int sentNow = 0;
        while (sentNow < fromMemory.size() && target.tryDeliverReplayedNow(fromMemory.get(sentNow))) {
            sentNow++;
        }
        if (sentNow < fromMemory.size()) {
            replays.add(reader.replay(owner, List.copyOf(fromMemory.subList(sentNow, fromMemory.size())),
                    target::deliverReplayed));
        }
        for (long[] range : fromKafka) {
            replays.add(reader.replay(owner, (int) range[0], range[1], range[2], target));
        }
        if (replays.isEmpty()) {
            // no live event reached the session since goLive (this is the consumer thread): nothing is held yet
            countReplay("complete");
            target.finish(requestProblem == null, requestProblem);
            return;
        }
        // finish releases held events at the client's pace, so it runs on the memory lane, not the consumer thread
        CompletableFuture.allOf(replays.toArray(CompletableFuture[]::new)).whenCompleteAsync((ignored, failure) -> {
            if (owner.cancelled()) {
                countReplay("cancelled"); // the session closed: its queued reads were dropped, running ones stopped
                return;
            }
            ReplayReader.Outcome worst = ReplayReader.Outcome.COMPLETE;
            for (CompletableFuture<ReplayReader.Outcome> replay : replays) {
                ReplayReader.Outcome outcome = replay.isCompletedExceptionally()
                        ? ReplayReader.Outcome.FAILED : replay.join();
                if (outcome.ordinal() > worst.ordinal()) {
                    worst = outcome;
                }
            }
            countReplay(worst.name().toLowerCase(java.util.Locale.ROOT));
            boolean complete = worst == ReplayReader.Outcome.COMPLETE && requestProblem == null;
            target.finish(complete, complete ? null : requestProblem != null ? requestProblem : reasonFor(worst));
        }, reader.memoryLane());
    }

    private void countReplay(String outcome) {
        replays(outcome).increment();
    }

    private void countResume(String source) {
        resumes(source).increment();
    }

    private io.micrometer.core.instrument.Counter resumes(String source) {
        return io.micrometer.core.instrument.Counter.builder("relay.resumes").tag("source", source)
                .description("Session resumes, by where the missed events came from: memory (the recent-events "
                        + "window), kafka, or nothing_missed").register(meterRegistry);
    }

    private io.micrometer.core.instrument.Counter replays(String outcome) {
        return io.micrometer.core.instrument.Counter.builder("relay.replays").tag("outcome", outcome)
                .description("Resumes that replayed events, by how the replay ended (complete, retention, limit, "
                        + "busy, timeout, failed, cancelled)").register(meterRegistry);
    }

    private static String reasonFor(ReplayReader.Outcome outcome) {
        switch (outcome) {
            case COMPLETE:
                return null;
            case RETENTION:
                return "retention";
            case LIMIT:
                return "replay_limit";
            case BUSY:
                return "replay_busy";
            case TIMEOUT:
                return "replay_timeout";
            default:
                return "replay_failed";
        }
    }
}
