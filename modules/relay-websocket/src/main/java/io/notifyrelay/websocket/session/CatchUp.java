package io.notifyrelay.websocket.session;

import io.notifyrelay.core.RelayEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The hold-then-release of a session catching up, whatever its transport: from the resume seam until the replay of
 * the missed events is over, live events of the partitions being replayed wait here; then they are released in
 * order, at the pace the client reads, and only once none is left does the session take live events directly, so
 * nothing overtakes anything on its partition. Held events stay referenced until then: at most
 * {@link #HELD_LIMIT_FACTOR} times the session's outbound bound (a few seconds of busy traffic), past which the
 * session is to be closed (4429) and resume later.
 */
public final class CatchUp {

    public static final int HELD_LIMIT_FACTOR = 8;

    /** What to do with a live event. */
    public enum Offer {
        /** Not held: send it now. */
        PASS,
        /** Kept until {@link #release}. */
        HELD,
        /** Kept, but the held events now pass the bound: close the session. */
        TOO_MANY
    }

    private final long maxHeldBytes;
    private volatile Set<Integer> holding = Set.of();
    // guarded by "this"; allocated only while something is held (idle sessions hold no list)
    private List<RelayEvent> held;
    private long heldBytes;

    /** @param maxOutboundBytes the session's outbound bound (RELAY_SESSION_MAX_BUFFER_BYTES) */
    public CatchUp(long maxOutboundBytes) {
        this.maxHeldBytes = HELD_LIMIT_FACTOR * maxOutboundBytes;
    }

    /** At the seam, before the session joins the live stream: live events of these partitions wait. */
    public void hold(Set<Integer> partitions) {
        holding = Set.copyOf(partitions);
    }

    public boolean holding() {
        return !holding.isEmpty();
    }

    /** A live event (consumer thread). */
    public Offer offer(RelayEvent event) {
        if (holding.isEmpty()) {
            return Offer.PASS;
        }
        synchronized (this) {
            if (!holding.contains(event.partition())) {
                return Offer.PASS;
            }
            if (held == null) {
                held = new ArrayList<>();
            }
            held.add(event);
            heldBytes += event.notification().length;
            return heldBytes > maxHeldBytes ? Offer.TOO_MANY : Offer.HELD;
        }
    }

    /**
     * The replay is over: hands the held events to {@code send} in order (it may wait for the client to read);
     * more may be held meanwhile; the partitions are let go only once none is left.
     *
     * @param send    sends one event; false stops the release (the session is closing)
     * @param caughtUp run at the moment the hold ends, before any later live event passes
     * @return whether the session caught up (false: {@code send} stopped it)
     */
    public boolean release(Predicate<RelayEvent> send, Runnable caughtUp) {
        while (true) {
            List<RelayEvent> batch;
            synchronized (this) {
                if (held == null || held.isEmpty()) {
                    held = null;
                    heldBytes = 0;
                    caughtUp.run(); // first: a live event that passes after this sees the session caught up
                    holding = Set.of();
                    return true;
                }
                batch = held;
                held = null;
                heldBytes = 0;
            }
            for (RelayEvent event : batch) {
                if (!send.test(event)) {
                    return false;
                }
            }
        }
    }
}
