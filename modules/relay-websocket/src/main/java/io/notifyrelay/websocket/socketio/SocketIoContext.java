package io.notifyrelay.websocket.socketio;

import io.notifyrelay.websocket.DeliveryOutcomes;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.TokenVerifier;
import io.notifyrelay.core.routing.PartitionView;
import io.notifyrelay.core.routing.Subscriber;
import io.notifyrelay.core.routing.SubscriptionRegistry;
import io.notifyrelay.websocket.SocketIoLimits;
import io.notifyrelay.websocket.WebSocketSettings;
import io.notifyrelay.websocket.internal.LobSessionCounts;
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
 */
record SocketIoContext(WebSocketSettings settings, TokenVerifier tokenVerifier,
                       SubscriptionRegistry<Subscriber> registry, PartitionView partitions,
                       ConcurrentMap<String, EngineIoSession> sessions, Duration pingInterval, Duration pingTimeout,
                       EncodingCache cache, SocketIoLimits limits, LobSessionCounts lobSessions,
                       AtomicInteger unauthenticated, DeliveryOutcomes outcomes) {

    /** The event a front-end emits to register its socket for a LOB. */
    static final String REGISTER_EVENT = "REGISTER_SOCKET";
    static final String REGISTER_RESPONSE_EVENT = "REGISTER_SOCKET_RESPONSE";
    /** The event every notification is emitted as (unless the client asks for payloadType names only). */
    static final String NOTIFICATION_EVENT = "notification";

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

    /** An event as socket.io packets: {@code 42["notification",<json>]} and {@code 42["<payloadType>",<json>]}. */
    record Encoded(RelayEvent event, byte[] generic, byte[] typed) {
    }

    /**
     * Encodes each event once however many socket.io sessions receive it. Events are dispatched one at a time
     * by the consumer thread, so remembering the last one is enough; the RelayEvent's own memo is left to the
     * /v1/ws encoder so the two protocols do not evict each other's bytes.
     */
    static final class EncodingCache {
        private volatile Encoded last;

        Encoded encode(RelayEvent event) {
            Encoded current = last;
            if (current != null && current.event() == event) {
                return current;
            }
            byte[] json = event.notification();
            Encoded encoded = new Encoded(event, SocketIoPackets.event(NOTIFICATION_EVENT, json),
                    SocketIoPackets.event(event.payloadType().name(), json));
            last = encoded;
            return encoded;
        }
    }

    Encoded encode(RelayEvent event) {
        return cache.encode(event);
    }
}
