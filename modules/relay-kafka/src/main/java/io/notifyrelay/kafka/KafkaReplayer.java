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
            replays(outcome);
        }
    }

    @Override
    public void resume(ResumeRequest request, ResumeTarget target) {
        if (request.since() == null) {
            consumer.runOnLoop(context -> resumeAtSeam(request, request.fromOffsets(), target, context));
            return;
        }
        reader.offsetsAt(request.partitions(), request.since()).whenComplete((offsets, failure) -> {
            if (failure != null) {
                consumer.runOnLoop(context -> {
                    target.goLive(java.util.Set.of());
                    target.finish(false, "replay_failed");
                });
                return;
            }
            Map<Integer, Long> from = new HashMap<>();
            // a partition with no event since then has nothing to replay
            offsets.forEach((partition, offset) -> from.put(partition, offset == null ? Long.MAX_VALUE : offset));
            from.putAll(request.fromOffsets()); // an explicit cursor is more precise than a time
            consumer.runOnLoop(context -> resumeAtSeam(request, from, target, context));
        });
    }

    private void resumeAtSeam(ResumeRequest request, Map<Integer, Long> from, ResumeTarget target,
                              RelayConsumer.LoopContext context) {
        List<CompletableFuture<ReplayReader.Outcome>> replays = new ArrayList<>();
        Set<Integer> replaying = new TreeSet<>();
        List<RelayEvent> fromMemory = new ArrayList<>();
        List<long[]> fromKafka = new ArrayList<>();
        for (Map.Entry<Integer, Long> entry : new TreeMap<>(from).entrySet()) {
            int partition = entry.getKey();
            if (!request.partitions().contains(partition) || !context.ownedPartitions().contains(partition)) {
                continue;
            }
            long first = entry.getValue();
            long live = context.position(partition);
            if (first >= live) {
                continue; // nothing missed
            }
            replaying.add(partition);
            if (recent.covers(partition, first)) {
                // copy the references now; sending happens on a replay thread that may wait for the client
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
        if (replaying.isEmpty()) {
            countResume("nothing_missed");
            target.finish(true, null);
            return;
        }
        countResume(fromKafka.isEmpty() ? "memory" : "kafka");
        if (!fromMemory.isEmpty()) {
            replays.add(reader.replay(fromMemory, target::deliverReplayed));
        }
        for (long[] range : fromKafka) {
            replays.add(reader.replay((int) range[0], range[1], range[2], target::wants, target::deliverReplayed));
        }
        // finish releases held events at the client's pace, so it must not run on the consumer thread
        CompletableFuture.allOf(replays.toArray(CompletableFuture[]::new)).whenCompleteAsync((ignored, failure) -> {
            ReplayReader.Outcome worst = ReplayReader.Outcome.COMPLETE;
            for (CompletableFuture<ReplayReader.Outcome> replay : replays) {
                ReplayReader.Outcome outcome = replay.isCompletedExceptionally()
                        ? ReplayReader.Outcome.FAILED : replay.join();
                if (outcome.ordinal() > worst.ordinal()) {
                    worst = outcome;
                }
            }
            replays(worst).increment();
            target.finish(worst == ReplayReader.Outcome.COMPLETE, reasonFor(worst));
        }, reader.executor());
    }

    private void countResume(String source) {
        resumes(source).increment();
    }

    private io.micrometer.core.instrument.Counter resumes(String source) {
        return io.micrometer.core.instrument.Counter.builder("relay.resumes").tag("source", source)
                .description("Session resumes, by where the missed events came from: memory (the recent-events "
                        + "window), kafka, or nothing_missed").register(meterRegistry);
    }

    private io.micrometer.core.instrument.Counter replays(ReplayReader.Outcome outcome) {
        return io.micrometer.core.instrument.Counter.builder("relay.replays")
                .tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
                .description("Resumes that replayed events, by how the replay ended (complete, retention, limit, "
                        + "timeout, failed)").register(meterRegistry);
    }

    private static String reasonFor(ReplayReader.Outcome outcome) {
        switch (outcome) {
            case COMPLETE:
                return null;
            case RETENTION:
                return "retention";
            case LIMIT:
                return "replay_limit";
            case TIMEOUT:
                return "replay_timeout";
            default:
                return "replay_failed";
        }
    }
}
