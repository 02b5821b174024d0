package io.notifyrelay.client;

import java.time.Duration;

/**
 * Counters of one client since it started.
 *
 * @param eventsDelivered      events handed to the listener (each id once)
 * @param duplicatesDropped    events received again and dropped by the de-duplication window
 * @param outsideSubscription  events of contacts this client is not subscribed to, dropped (in flight
 *                             after {@link NotifyRelayClient#removeContacts}; otherwise a relay bug)
 * @param reconnects           node sessions re-opened after they were lost (close, error, cut, too slow)
 * @param movesFollowed        {@code moved} frames followed to another node
 * @param resumes              subscriptions sent with cursors or a {@code since} time
 * @param resumesIncomplete    resumes the server reported as not recovered ({@code recovered: false}), or
 *                             could not serve at all ({@code resume_unavailable}); events may be missing
 * @param tooSlowCloses        sessions the server closed as too slow (4429), whether the client saw the close or
 *                             the node told it on the next connection ({@code closed_too_slow}); each once
 * @param catchUps             times the client went from not-live back to live
 * @param longestCatchUp       the longest of those: from losing (part of) the live stream until every
 *                             subscription was served again and its replay was over
 * @param lastIncompleteReason the reason of the last incomplete resume, or null
 */
public record ClientStats(long eventsDelivered, long duplicatesDropped, long outsideSubscription, long reconnects, long movesFollowed,
                          long resumes, long resumesIncomplete, long tooSlowCloses, long catchUps,
                          Duration longestCatchUp, String lastIncompleteReason) {
}
