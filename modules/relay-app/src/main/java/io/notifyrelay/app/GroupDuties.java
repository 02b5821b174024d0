package io.notifyrelay.app;

import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.log.RateLimitedLog;
import io.notifyrelay.kafka.DeadLetterQueue;
import io.notifyrelay.kafka.RecordHandler;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What must happen once per record for the whole cluster, on the consumer that is a member of the relay's group
 * (so exactly one node handles each record, and its progress is committed): skipping bad records with one
 * dead-letter copy each, and any other per-record duty (receipts belong in {@link #onEvent}). In owner mode the
 * one consumer delivers and then calls this; in anywhere mode the group consumer calls only this, while the
 * delivery reader of every node delivers.
 */
final class GroupDuties implements RecordHandler {

    private static final Logger log = LoggerFactory.getLogger(GroupDuties.class);

    private final RelayMetrics metrics;
    /** Null when dead-lettering is off. */
    private final DeadLetterQueue deadLetters;
    /** Expired and undelivered receipts, exactly one per event for the cluster. */
    private final DeliveryFeedback feedback;
    private final AtomicLong recordsRejected = new AtomicLong();
    private final AtomicLong eventsHandled = new AtomicLong();
    /** A flood of bad records must not become a flood of log lines. */
    private final RateLimitedLog rejectedLog = new RateLimitedLog(log, 20);

    GroupDuties(RelayMetrics metrics, DeadLetterQueue deadLetters, DeliveryFeedback feedback) {
        this.metrics = metrics;
        this.deadLetters = deadLetters;
        this.feedback = feedback;
    }

    /** Once per event for the cluster, on the group member that owns its partition. */
    @Override
    public void onEvent(RelayEvent event) {
        eventsHandled.incrementAndGet();
        feedback.onceForCluster(event);
    }

    @Override
    public void onRejected(DecodeResult.Rejected rejected) {
        RelayTracing.withProducerTrace(rejected.record().headers(), () -> reject(rejected));
    }

    private void reject(DecodeResult.Rejected rejected) {
        recordsRejected.incrementAndGet();
        metrics.rejected(rejected.reason());
        rejectedLog.warn("Skipped record {}: {} ({}){}", rejected.record().where(), rejected.reason(),
                rejected.detail(), deadLetters == null ? "" : "; copied to " + deadLetters.topic());
        if (deadLetters != null) {
            deadLetters.send(rejected);
        }
    }

    /** Bad records this node skipped (and dead-lettered) as the group member owning them. */
    long recordsRejected() {
        return recordsRejected.get();
    }

    /** Events this node handled as the group member owning their partition. */
    long eventsHandled() {
        return eventsHandled.get();
    }
}
