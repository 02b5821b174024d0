package io.notifyrelay.websocket.socketio;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.routing.SubscriptionRegistry;
import io.notifyrelay.core.receipt.EventRef;
import io.notifyrelay.websocket.CloseCodes;
import io.notifyrelay.websocket.DeliveryOutcomes;
import io.notifyrelay.websocket.WebSocketSettings;
import io.notifyrelay.websocket.internal.LobSessionCounts;
import io.notifyrelay.websocket.internal.SessionMetrics;
import io.notifyrelay.websocket.SocketIoLimits;
import io.notifyrelay.websocket.TokenLifecycle;
import io.notifyrelay.websocket.session.DeliveryPositions;
import io.notifyrelay.websocket.session.RecentCloses;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The outbound bound of a socket.io session (a polling one: no socket needed) and the drops it reports. */
class EngineIoTransportTest {

    private static final int LIMIT = 1000;

    private final List<String> dropped = new ArrayList<>();
    private final List<Integer> closes = new ArrayList<>();
    private final EngineIoTransport transport = new EngineIoTransport("sid-1", context(), new EngineIoTransport.Packets() {
        @Override
        public void onPacket(String text) {
        }

        @Override
        public void close(int code, String reason) {
            closes.add(code);
            transport().close(code, reason);
        }

        @Override
        public void closeLater(String reason) {
        }
    });

    private EngineIoTransport transport() {
        return transport;
    }

    @Test
    void anEventUnderTwoNamesWhoseSecondPacketDoesNotFitIsReportedDropped() {
        transport.sendEvent(packet(450), packet(450), event("first"));
        // 900 bytes wait; the next event's first packet would fit, its second would not
        transport.sendEvent(packet(50), packet(80), event("second"));
        assertEquals(List.of("second"), dropped, "the event that did not fit, whichever of its packets overflowed");
        assertEquals(List.of(CloseCodes.TOO_SLOW), closes);
    }

    @Test
    void eventsThatFitAreQueuedAndNothingIsReported() {
        transport.sendEvent(packet(300), packet(300), event("a"));
        transport.sendEvent(packet(300), null, event("b"));
        transport.send(packet(0)); // a packet of no event
        assertEquals(List.of(), dropped);
        assertEquals(List.of(), closes);
    }

    @Test
    void aPacketOfNoEventThatDoesNotFitClosesTheSessionWithoutADrop() {
        transport.sendEvent(packet(990), null, event("a"));
        transport.send(packet(20));
        assertEquals(List.of(), dropped);
        assertEquals(List.of(CloseCodes.TOO_SLOW), closes);
    }

    @Test
    void nothingIsSentOrReportedOnceClosed() {
        transport.close(1000, "bye");
        transport.sendEvent(packet(5000), packet(5000), event("late"));
        assertEquals(List.of(), dropped);
        assertEquals(List.of(), closes);
    }

    /** {@code 42["x",…]} padded to {@code size} bytes in all. */
    private static byte[] packet(int size) {
        String head = "42[\"x\",\"";
        return (head + "y".repeat(Math.max(0, size - head.length() - 2)) + "\"]").getBytes(StandardCharsets.UTF_8);
    }

    private static RelayEvent event(String id) {
        return new RelayEvent(id, "lob-a", "c1", PayloadType.CONNECTION_RESPONSE, new Cursor("ep0123ab", 0, 1), 0,
                "{}".getBytes(StandardCharsets.UTF_8));
    }

    private SocketIoContext context() {
        DeliveryOutcomes outcomes = new DeliveryOutcomes() {
            @Override
            public void dropped(RelayEvent event) {
                dropped.add(event.eventId());
            }

            @Override
            public void acknowledged(EventRef event) {
            }
        };
        return new SocketIoContext(WebSocketSettings.defaults("node-1").withMaxOutboundBytes(LIMIT), null,
                new SubscriptionRegistry<>(), null, new ConcurrentHashMap<>(), Duration.ofSeconds(25),
                Duration.ofSeconds(20), new SocketIoContext.EncodingCache(), new SocketIoLimits(50, 1000),
                new LobSessionCounts(100), new AtomicInteger(), null, new DeliveryPositions("ep0123ab"),
                new SessionMetrics(new SimpleMeterRegistry()), TokenLifecycle.DEFAULTS,
                new RecentCloses(Clock.systemUTC()), outcomes);
    }
}
