package io.notifyrelay.websocket.internal;

import io.notifyrelay.core.Cursor;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The resume part of a {@code subscribe}: the first unseen offset per partition from the client's
 * cursors, or a time to start from, and what was wrong with them.
 *
 * @param problem   why the resume cannot be complete whatever the replay finds (e.g. {@code epoch_changed});
 *                  a cursor past its partition's end is found at the seam ({@code cursor_out_of_range})
 * @param badSince  an error message when {@code since} was not an RFC 3339 time
 */
record ResumePlan(boolean requested, Map<Integer, Long> fromOffsets, Instant since, String problem, String badSince) {

    static ResumePlan parse(ClientFrame.Subscribe subscribe, String currentEpoch) {
        boolean requested = subscribe.cursors() != null || subscribe.since() != null;
        Map<Integer, Long> from = new HashMap<>();
        String problem = null;
        if (subscribe.cursors() != null) {
            for (String encoded : subscribe.cursors()) {
                Optional<Cursor> cursor = Cursor.decode(encoded);
                if (cursor.isEmpty()) {
                    problem = "bad_cursor";
                } else if (!cursor.get().epoch().equals(currentEpoch)) {
                    // the topic was recreated: these offsets point at other events now
                    problem = "epoch_changed";
                } else if (cursor.get().offset() == Long.MAX_VALUE) {
                    // no partition reaches that far, and its next offset would overflow
                    problem = "cursor_out_of_range";
                } else {
                    from.merge(cursor.get().partition(), cursor.get().offset() + 1, Math::max);
                }
            }
        }
        Instant since = null;
        String badSince = null;
        if (subscribe.since() != null) {
            try {
                since = OffsetDateTime.parse(subscribe.since()).toInstant();
            } catch (DateTimeParseException e) {
                badSince = "since must be an RFC 3339 time such as 2026-01-31T12:00:00Z";
                problem = problem == null ? "bad_since" : problem;
            }
        }
        return new ResumePlan(requested, from, since, problem, badSince);
    }
}
