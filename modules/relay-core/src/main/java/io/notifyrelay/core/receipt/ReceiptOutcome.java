package io.notifyrelay.core.receipt;

import java.util.Locale;

/** What became of a notification, as a receipt tells the Notify API. The wire names are stable. */
public enum ReceiptOutcome {
    /** Written to {@code sessions} (at least one) sessions on one node; one receipt per node that delivered it. */
    DELIVERED,
    /** No session anywhere in the cluster was subscribed to it when it was relayed; one per event. */
    UNDELIVERED,
    /** Its {@code expirytime} had passed: it was sent to no session; one per event. */
    EXPIRED,
    /** A subscribed session did not get it live (closed as too slow, write failed); the session may still resume. */
    DROPPED,
    /** A client confirmed it; one receipt per acknowledging session. */
    ACKNOWLEDGED;

    /** The name in the receipt's {@code outcome} member and the metrics' {@code outcome} tag. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
