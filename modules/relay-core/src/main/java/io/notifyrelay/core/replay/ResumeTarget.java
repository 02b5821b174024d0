package io.notifyrelay.core.replay;

import io.notifyrelay.core.RelayEvent;
import java.util.Set;

/**
 * The session being resumed, as the replay sees it. The replay calls, in this order: any number of
 * {@link #deliverReplayed}, exactly one {@link #goLive} (on the consumer thread, at the seam), more
 * {@link #deliverReplayed} for partitions still being read from Kafka, then exactly one {@link #finish}.
 */
public interface ResumeTarget {

    /** Whether the subscription covers this event (its LOB and, unless LOB-wide, its contact). */
    boolean wants(RelayEvent event);

    /**
     * Sends one missed event. Called on a replay thread, never the consumer thread: it may wait while
     * the client reads what was already sent, so a replay never outruns the session's buffer.
     */
    void deliverReplayed(RelayEvent event);

    /**
     * Sends one missed event at once if the session has room for it without waiting; false (nothing sent)
     * otherwise. Called on the consumer thread at the seam, so a small resume from memory needs no replay thread.
     */
    default boolean tryDeliverReplayedNow(RelayEvent event) {
        return false;
    }

    /** Whether the session can take more replayed events now without waiting for its client to read. */
    default boolean hasRoom() {
        return true;
    }

    /** Waits up to {@code maxMillis} for room; whether there is room now. */
    default boolean awaitRoom(long maxMillis) {
        return hasRoom();
    }

    /**
     * Runs {@code task} once the session has room again (at once if it has), on whatever thread notices; never if
     * the session closes first. A replay that found no room waits this way, without holding a thread.
     */
    default void whenRoom(Runnable task) {
        task.run();
    }

    /**
     * Joins the live stream. Live events of {@code stillReplaying} partitions must be held back until
     * {@link #finish}, because older events of those partitions are still being read.
     */
    void goLive(Set<Integer> stillReplaying);

    /** Replay is over: say whether everything missed was delivered, then release held-back live events. */
    void finish(boolean recovered, String reason);
}
