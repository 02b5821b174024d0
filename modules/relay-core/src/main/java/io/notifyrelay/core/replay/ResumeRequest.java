package io.notifyrelay.core.replay;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a resuming session asks for on this node.
 *
 * @param lobId       the session's LOB: replays of one LOB are bounded together and take turns with other LOBs'
 * @param partitions  partitions this node serves for the subscription
 * @param fromOffsets for some of them, the first offset the client has not seen (its cursor + 1)
 * @param since       or a time: replay each partition from its first event at or after it; null if none
 */
public record ResumeRequest(String lobId, Set<Integer> partitions, Map<Integer, Long> fromOffsets, Instant since) {
    public ResumeRequest {
        Objects.requireNonNull(lobId, "lobId");
        partitions = Set.copyOf(partitions);
        fromOffsets = Map.copyOf(fromOffsets);
    }
}
