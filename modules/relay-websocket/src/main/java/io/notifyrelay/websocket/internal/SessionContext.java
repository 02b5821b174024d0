package io.notifyrelay.websocket.internal;

import io.notifyrelay.core.auth.TokenVerifier;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.routing.PartitionView;
import io.notifyrelay.core.routing.SubscriptionRegistry;
import io.notifyrelay.websocket.DeliveryOutcomes;
import io.notifyrelay.websocket.SessionLimits;
import io.notifyrelay.websocket.SubscriptionBounds;
import io.notifyrelay.websocket.TokenLifecycle;
import io.notifyrelay.websocket.WebSocketSettings;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What every session of a server shares.
 *
 * @param ticker monotonic nanoseconds, {@code System::nanoTime} outside tests: when a session was last heard from
 */
public record SessionContext(WebSocketSettings settings, TokenVerifier tokenVerifier,
                             SubscriptionRegistry<? super WsSession> registry, PartitionView partitions,
                             Replayer replayer, SessionLimits limits, LobSessionCounts lobSessions,
                             SessionMetrics metrics, Consumer<WsSession> onSessionClosed,
                             TokenLifecycle tokenLifecycle, SubscriptionBounds bounds,
                             io.notifyrelay.websocket.session.RecentCloses recentCloses,
                             DeliveryOutcomes outcomes, LongSupplier ticker) {

    void sessionClosed(WsSession session) {
        onSessionClosed.accept(session);
    }
}
