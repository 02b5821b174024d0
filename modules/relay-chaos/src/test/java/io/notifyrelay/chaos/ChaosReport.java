package io.notifyrelay.chaos;

import io.notifyrelay.client.ClientStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What every client got compared with what was sent: the counts the chaos test prints and asserts on. */
final class ChaosReport {

    /** One published event: the ground truth. */
    record Sent(String lob, String contact, long sentNanos, int partition, long offset) {
    }

    record ClientLine(String name, String kind, long expected, long delivered, long lost, long misdelivered,
                      long deliveredTwice, ClientStats stats, long maxDelayMs) {
    }

    final long sent;
    final long expected;
    final long delivered;
    final long lost;
    final long misdelivered;
    final long deliveredTwice;
    final long duplicatesDropped;
    final long reconnects;
    final long movesFollowed;
    final long tooSlowCloses;
    final long resumesIncomplete;
    final long longestCatchUpMs;
    final long maxDelayMs;
    final List<ClientLine> lines = new ArrayList<>();
    /** For lost events: per client, partition → offsets missing (a few, for the diagnosis). */
    final Map<String, Map<Integer, List<Long>>> lostOffsets = new java.util.TreeMap<>();

    ChaosReport(Map<String, Sent> truth, List<ChaosClient> clients) {
        long expectedSum = 0;
        long deliveredSum = 0;
        long lostSum = 0;
        long misSum = 0;
        long twiceSum = 0;
        long dupSum = 0;
        long reconnectSum = 0;
        long movesSum = 0;
        long slowSum = 0;
        long incompleteSum = 0;
        long longest = 0;
        long maxDelay = 0;
        for (ChaosClient client : clients) {
            long expectedHere = 0;
            long deliveredHere = 0;
            long clientMaxDelay = 0;
            for (Map.Entry<String, Sent> entry : truth.entrySet()) {
                Sent sent = entry.getValue();
                if (!client.wants(sent.lob(), sent.contact())) {
                    continue;
                }
                expectedHere++;
                Long at = client.received.get(entry.getKey());
                if (at != null) {
                    deliveredHere++;
                    clientMaxDelay = Math.max(clientMaxDelay, at - sent.sentNanos());
                } else {
                    lostOffsets.computeIfAbsent(client.name, c -> new java.util.TreeMap<>())
                            .computeIfAbsent(sent.partition(), p -> new ArrayList<>()).add(sent.offset());
                }
            }
            long misdeliveredHere = 0;
            for (String id : client.received.keySet()) {
                Sent sent = truth.get(id);
                if (sent == null || !client.wants(sent.lob(), sent.contact())) {
                    misdeliveredHere++;
                }
            }
            ClientStats stats = client.stats();
            misdeliveredHere += stats.outsideSubscription(); // dropped by the client, but the relay sent them
            long lostHere = expectedHere - deliveredHere;
            long delayMs = Duration.ofNanos(clientMaxDelay).toMillis();
            lines.add(new ClientLine(client.name, client.kind(), expectedHere, deliveredHere, lostHere, misdeliveredHere,
                    client.deliveredTwice.get(), stats, delayMs));
            expectedSum += expectedHere;
            deliveredSum += deliveredHere;
            lostSum += lostHere;
            misSum += misdeliveredHere;
            twiceSum += client.deliveredTwice.get();
            dupSum += stats.duplicatesDropped();
            reconnectSum += stats.reconnects();
            movesSum += stats.movesFollowed();
            slowSum += stats.tooSlowCloses();
            incompleteSum += stats.resumesIncomplete();
            longest = Math.max(longest, stats.longestCatchUp().toMillis());
            maxDelay = Math.max(maxDelay, delayMs);
        }
        this.sent = truth.size();
        this.expected = expectedSum;
        this.delivered = deliveredSum;
        this.lost = lostSum;
        this.misdelivered = misSum;
        this.deliveredTwice = twiceSum;
        this.duplicatesDropped = dupSum;
        this.reconnects = reconnectSum;
        this.movesFollowed = movesSum;
        this.tooSlowCloses = slowSum;
        this.resumesIncomplete = incompleteSum;
        this.longestCatchUpMs = longest;
        this.maxDelayMs = maxDelay;
    }

    /** Missing deliveries right now, for the wait at the end. */
    static long missing(Map<String, Sent> truth, List<ChaosClient> clients) {
        long missing = 0;
        for (ChaosClient client : clients) {
            for (Map.Entry<String, Sent> entry : truth.entrySet()) {
                if (client.wants(entry.getValue().lob(), entry.getValue().contact())
                        && !client.received.containsKey(entry.getKey())) {
                    missing++;
                }
            }
        }
        return missing;
    }

    String render(String title, List<String> timeline, Duration elapsed) {
        StringBuilder out = new StringBuilder();
        out.append('\n').append("=".repeat(78)).append('\n');
        out.append(title).append('\n');
        out.append("-".repeat(78)).append('\n');
        for (String step : timeline) {
            out.append("  ").append(step).append('\n');
        }
        out.append("-".repeat(78)).append('\n');
        row(out, "sent", sent, "events published (ground truth)");
        row(out, "expected", expected, "deliveries due: per client, events of its LOB and contacts");
        row(out, "delivered", delivered, "of those, delivered to the application");
        row(out, "duplicates dropped", duplicatesDropped, "received again (replay, move) and dropped by id");
        row(out, "delivered twice", deliveredTwice, "must be 0: exactly once after de-duplication");
        row(out, "lost", lost, "must be 0");
        row(out, "misdelivered", misdelivered, "must be 0: events of another LOB or contact");
        row(out, "longest catch-up ms", longestCatchUpMs, "a client from losing its live stream to live again");
        row(out, "longest event wait ms", maxDelayMs, "publish to delivery, worst event of any client");
        row(out, "reconnects", reconnects, "sessions re-opened");
        row(out, "moves followed", movesFollowed, "moved frames followed to the new owner");
        row(out, "closed too slow", tooSlowCloses, "4429 closes after a stalled read");
        row(out, "resumes incomplete", resumesIncomplete, "replays the relay could not complete (or offer)");
        row(out, "time s", elapsed.toSeconds(), "whole run, processes started to verdict");
        out.append("-".repeat(78)).append('\n');
        out.append(String.format("  %-12s %-12s %8s %9s %6s %6s %6s %6s %6s %8s %9s%n", "client", "kind", "expected",
                "delivered", "lost", "misdel", "dupes", "recon", "4429", "catchup", "max wait"));
        for (ClientLine line : lines) {
            out.append(String.format("  %-12s %-12s %8d %9d %6d %6d %6d %6d %6d %6dms %7dms%n", line.name(),
                    line.kind(), line.expected(), line.delivered(), line.lost(), line.misdelivered(),
                    line.stats().duplicatesDropped(), line.stats().reconnects(), line.stats().tooSlowCloses(),
                    line.stats().longestCatchUp().toMillis(), line.maxDelayMs()));
        }
        if (!lostOffsets.isEmpty()) {
            out.append("-".repeat(78)).append('\n');
            out.append("  lost, by client and partition: count [first offset .. last offset]\n");
            lostOffsets.forEach((client, byPartition) -> {
                StringBuilder line = new StringBuilder();
                byPartition.forEach((partition, offsets) -> {
                    java.util.Collections.sort(offsets);
                    line.append(String.format(" p%d:%d[%d..%d]", partition, offsets.size(), offsets.get(0),
                            offsets.get(offsets.size() - 1)));
                });
                out.append(String.format("  %-12s%s%n", client, line));
            });
        }
        out.append("=".repeat(78)).append('\n');
        return out.toString();
    }

    private static void row(StringBuilder out, String label, long value, String meaning) {
        out.append(String.format("  %-22s %10d   %s%n", label, value, meaning));
    }
}
