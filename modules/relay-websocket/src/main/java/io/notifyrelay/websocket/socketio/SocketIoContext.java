package io.notifyrelay.websocket.socketio;

import io.notifyrelay.websocket.DeliveryOutcomes;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.TokenVerifier;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.routing.PartitionView;
import io.notifyrelay.core.routing.Subscriber;
import io.notifyrelay.core.routing.SubscriptionRegistry;
import io.notifyrelay.websocket.SocketIoLimits;
import io.notifyrelay.websocket.WebSocketSettings;
import io.notifyrelay.websocket.internal.LobSessionCounts;
import io.notifyrelay.websocket.internal.SessionMetrics;
import io.notifyrelay.websocket.TokenLifecycle;
import io.notifyrelay.websocket.session.DeliveryPositions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every socket.io session of a server shares, and the one encoding of each event they all send.
 *
 * @param sessions        live sessions by Engine.IO sid (polling requests and upgrades find theirs here)
 * @param lobSessions     authenticated sessions per LOB, shared with /v1/ws
 * @param unauthenticated sessions that have not completed a CONNECT with a valid token
 * @param replayer        replays what a reconnecting client missed
 * @param positions       the node's delivery positions (consumer thread only)
 * @param metrics         the session metrics /v1/ws sessions count in too
 * @param tokenLifecycle  the expiry warning and refresh grace, as for /v1/ws
 */
record SocketIoContext(WebSocketSettings settings, TokenVerifier tokenVerifier,
                       SubscriptionRegistry<Subscriber> registry, PartitionView partitions,
                       ConcurrentMap<String, EngineIoSession> sessions, Duration pingInterval, Duration pingTimeout,
                       EncodingCache cache, SocketIoLimits limits, LobSessionCounts lobSessions,
                       AtomicInteger unauthenticated, Replayer replayer, DeliveryPositions positions,
                       SessionMetrics metrics, TokenLifecycle tokenLifecycle,
                       io.notifyrelay.websocket.session.RecentCloses recentCloses,
                       DeliveryOutcomes outcomes) {

    /** The event a front-end emits to register its socket for a LOB. */
    static final String REGISTER_EVENT = "REGISTER_SOCKET";
    static final String REGISTER_RESPONSE_EVENT = "REGISTER_SOCKET_RESPONSE";
    /** The event every notification is emitted as (unless the client asks for payloadType names only). */
    static final String NOTIFICATION_EVENT = "notification";
    /** After a reconnect that asked for recovery: {@code {recovered, reason}} (docs/socket-io.md). */
    static final String RECOVERY_EVENT = "RECOVERY";
    /** Before the token expires: {@code {expiresAt, refreshWithin}}; reconnect (a new CONNECT auth) to refresh. */
    static final String TOKEN_EXPIRING_EVENT = "TOKEN_EXPIRING";

    int maxPayloadBytes() {
        return settings.maxInboundFrameBytes();
    }

    /** Which socket.io event names a session receives notifications under: chosen by {@code auth.events}. */
    enum EventNames {
        /** {@code notification} only. */
        NOTIFICATION(true, false),
        /** The payloadType ({@code CONNECTION_RESPONSE}, ...) only. */
        PAYLOAD_TYPE(false, true),
        /** Both (the default): one listener for everything, or one per type, whichever the front-end has. */
        BOTH(true, true);

        private final boolean generic;
        private final boolean typed;

        EventNames(boolean generic, boolean typed) {
            this.generic = generic;
            this.typed = typed;
        }

        boolean generic() {
            return generic;
        }

        boolean typed() {
            return typed;
        }

        static EventNames parse(String value) {
            if (value == null) {
                return BOTH;
            }
            switch (value.toLowerCase(Locale.ROOT)) {
                case "notification":
                    return NOTIFICATION;
                case "payloadtype":
                case "payload_type":
                    return PAYLOAD_TYPE;
                default:
                    return BOTH;
            }
        }
    }

    /**
     * An event as socket.io packets: {@code 42["notification",<json>,"<offset>"]} and
     * {@code 42["<payloadType>",<json>,"<offset>"]}; the offset is what the client sends back to recover.
     */
    record Encoded(RelayEvent event, String offset, byte[] generic, byte[] typed) {

        static Encoded of(RelayEvent event, String offset) {
            byte[] json = event.notification();
            return new Encoded(event, offset, SocketIoPackets.event(NOTIFICATION_EVENT, json, offset),
                    SocketIoPackets.event(event.payloadType().name(), json, offset));
        }
    }

    /**
     * Encodes each live event once for all caught-up sessions (they share its offset). Events are dispatched one
     * at a time by the consumer thread, so remembering the last one is enough; the RelayEvent's own memo is left to
     * the /v1/ws encoder so the two protocols do not evict each other's bytes.
     */
    static final class EncodingCache {
        private volatile Encoded last;

        Encoded encode(RelayEvent event, String sharedOffset) {
            Encoded current = last;
            if (current != null && current.event() == event && current.offset() == sharedOffset) {
                return current;
            }
            Encoded encoded = Encoded.of(event, sharedOffset);
            last = encoded;
            return encoded;
        }
    }
}
