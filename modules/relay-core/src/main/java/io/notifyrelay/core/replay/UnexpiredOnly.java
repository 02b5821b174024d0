package io.notifyrelay.core.replay;

import io.notifyrelay.core.RelayEvent;
import java.time.Clock;
import java.util.Set;

/**
 * A resume target that wants no event past its {@code expirytime}: both replay paths (memory and Kafka) ask
 * {@link #wants} before they send, so an expired event is never replayed to a session.
 */
public final class UnexpiredOnly implements ResumeTarget {

    private final ResumeTarget target;
    private final Clock clock;

    public UnexpiredOnly(ResumeTarget target, Clock clock) {
        this.target = target;
        this.clock = clock;
    }

    @Override
    public boolean wants(RelayEvent event) {
        return !event.isExpiredAt(clock.millis()) && target.wants(event);
    }

    @Override
    public void deliverReplayed(RelayEvent event) {
        target.deliverReplayed(event);
    }

    @Override
    public boolean tryDeliverReplayedNow(RelayEvent event) {
        return target.tryDeliverReplayedNow(event);
    }

    @Override
    public boolean hasRoom() {
        return target.hasRoom();
    }

    @Override
    public boolean awaitRoom(long maxMillis) {
        return target.awaitRoom(maxMillis);
    }

    @Override
    public void whenRoom(Runnable task) {
        target.whenRoom(task);
    }

    @Override
    public void goLive(Set<Integer> stillReplaying) {
        target.goLive(stillReplaying);
    }

    @Override
    public void finish(boolean recovered, String reason) {
        target.finish(recovered, reason);
    }
}
