package io.notifyrelay.websocket.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.replay.ResumeRequest;
import io.notifyrelay.core.replay.ResumeTarget;
import io.notifyrelay.core.routing.Dispatcher;
import io.notifyrelay.core.routing.PartitionView;
import io.notifyrelay.core.routing.Subscriber;
import io.notifyrelay.core.routing.SubscriptionRegistry;
import io.notifyrelay.websocket.CloseCodes;
import io.notifyrelay.websocket.SocketIoLimits;
import io.notifyrelay.websocket.TokenLifecycle;
import io.notifyrelay.websocket.WebSocketSettings;
import io.notifyrelay.websocket.internal.LobSessionCounts;
import io.notifyrelay.websocket.internal.SessionMetrics;
import io.notifyrelay.websocket.session.DeliveryPositions;
import io.notifyrelay.websocket.session.RecoveryOffset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The socket.io catch-up without sockets: the test plays the replayer (seam, replay, finish) and the consumer. */
class SocketIoStreamTest {

    private static final String EPOCH = "ep0123ab";
    private static final String LOB = "lob-a";

    private final SubscriptionRegistry<Subscriber> registry = new SubscriptionRegistry<>();
    private final Dispatcher<Subscriber> dispatcher = new Dispatcher<>(registry);
    private final DeliveryPositions positions = new DeliveryPositions(EPOCH);
    private ResumeRequest request;
    private ResumeTarget target;
    private final Replayer replayer = (request, target) -> {
        this.request = request;
        this.target = target;
        return Replayer.Resume.DONE;
    };
    private final SocketIoContext context = new SocketIoContext(
            WebSocketSettings.defaults("node-1"), null, registry, new TwoPartitions(), new ConcurrentHashMap<>(),
            Duration.ofSeconds(25), Duration.ofSeconds(20), new SocketIoContext.EncodingCache(),
            new SocketIoLimits(50, 1000), new LobSessionCounts(100), new AtomicInteger(), replayer, positions,
            new SessionMetrics(new SimpleMeterRegistry()), TokenLifecycle.DEFAULTS,
            new io.notifyrelay.websocket.session.RecentCloses(java.time.Clock.systemUTC()),
            io.notifyrelay.websocket.DeliveryOutcomes.NONE);
    private final FakeSession session = new FakeSession();

    @Test
    void aRegistrationIsAnsweredAtTheSeamWithTheNodesPositionsThenLiveEventsShareTheNodesOffset() {
        positions.advance(0, 8);
        positions.advance(1, 3);
        FakeSession other = new FakeSession();
        for (FakeSession each : List.of(session, other)) {
            new SocketIoStream(each, context, Map.of(), false).start();
            assertEquals(Map.of(), request.fromOffsets());
            assertEquals(Set.of(0, 1), request.partitions());
            target.goLive(Set.of());
            target.finish(true, null);
        }
        assertEquals(List.of("caughtUp false null {0=8, 1=3}"), session.log);

        RelayEvent live = event(0, 8);
        positions.advance(0, 9); // the consumer tells the position before it hands the record over
        assertEquals(2, dispatcher.dispatch(live));
        assertEquals("event 0@8 {0=9, 1=3}", session.log.get(1));
        assertSame(session.packets.get(0), other.packets.get(0), "encoded once (with its offset) for all recipients");
    }

    @Test
    void aRecoveryReplaysTheGapHoldsLiveEventsAndReleasesThemAfterTheAnswer() {
        positions.advance(0, 8);
        positions.advance(1, 3);
        SocketIoStream stream = new SocketIoStream(session, context, Map.of(0, 5L, 1, 3L), true);
        stream.start();
        assertEquals(Map.of(0, 5L, 1, 3L), request.fromOffsets());
        target.goLive(Set.of(0, 1));
        positions.advance(0, 9);
        dispatcher.dispatch(event(0, 8)); // live, while 5..7 are still being replayed: held
        assertEquals(List.of(), session.log);
        for (long offset = 5; offset < 8; offset++) {
            target.deliverReplayed(event(0, offset));
        }
        target.finish(true, null);
        positions.advance(0, 10);
        dispatcher.dispatch(event(0, 9));
        assertEquals(List.of("event 0@5 {0=6, 1=3}", "event 0@6 {0=7, 1=3}", "event 0@7 {0=8, 1=3}",
                "caughtUp true null {0=8, 1=3}", "event 0@8 {0=9, 1=3}", "event 0@9 {0=10, 1=3}"), session.log);
    }

    @Test
    void aNodeBehindTheClientNeverSendsWhatTheClientHadAndOffersNoOffsetBehindIt() {
        positions.advance(0, 4); // this node is behind the one the client came from
        positions.advance(1, 3);
        new SocketIoStream(session, context, Map.of(0, 7L, 1, 3L), true).start();
        target.goLive(Set.of());
        target.finish(true, null);
        for (long offset = 4; offset < 9; offset++) {
            positions.advance(0, offset + 1);
            dispatcher.dispatch(event(0, offset));
        }
        assertEquals(List.of("caughtUp true null {0=7, 1=3}", "event 0@7 {0=8, 1=3}", "event 0@8 {0=9, 1=3}"),
                session.log);
    }

    @Test
    void aServedPartitionTheOffsetDoesNotCoverIsNeverClaimedRecovered() {
        positions.advance(0, 8);
        positions.advance(1, 3);
        new SocketIoStream(session, context, Map.of(0, 8L), true).start();
        target.goLive(Set.of());
        target.finish(true, null);
        assertEquals(List.of("caughtUp false no_cursor {0=8, 1=3}"), session.log);
    }

    @Test
    void aReplayThatCouldNotCompleteSaysWhy() {
        positions.advance(0, 8);
        positions.advance(1, 3);
        new SocketIoStream(session, context, Map.of(0, 1L, 1, 3L), true).start();
        target.goLive(Set.of(0, 1));
        target.finish(false, "replay_limit");
        assertEquals(List.of("caughtUp false replay_limit {0=1, 1=3}"), session.log);
    }

    @Test
    void anOffsetPastThePartitionsEndIsNotRecoveredAndDoesNotBlockThePartition() {
        positions.advance(0, 8);
        positions.advance(1, 3);
        new SocketIoStream(session, context, Map.of(0, 1_000_000L, 1, 3L), true).start();
        target.goLive(Set.of());
        target.finish(false, "cursor_out_of_range");
        positions.advance(0, 9);
        dispatcher.dispatch(event(0, 8));
        assertEquals(List.of("caughtUp false cursor_out_of_range {0=8, 1=3}", "event 0@8 {0=9, 1=3}"), session.log);
    }

    @Test
    void tooManyLiveEventsHeldWhileCatchingUpCloseTheSessionAs4429() {
        positions.advance(0, 0);
        new SocketIoStream(session, context, Map.of(0, 0L, 1, 0L), true).start();
        target.goLive(Set.of(0, 1));
        long limit = 8 * context.settings().maxOutboundBytes();
        for (long offset = 0; session.closedWith == 0; offset++) {
            assertTrue(offset * 1000 < 2 * limit, "closed before twice the bound");
            dispatcher.dispatch(event(0, offset, 1000));
        }
        assertEquals(CloseCodes.TOO_SLOW, session.closedWith);
    }

    @Test
    void anotherLobsEventNeverReachesTheSession() {
        new SocketIoStream(session, context, Map.of(), false).start();
        target.goLive(Set.of());
        target.finish(true, null);
        assertEquals(0, dispatcher.dispatch(new RelayEvent("x", "lob-b", "c1", PayloadType.CONNECTION_RESPONSE,
                new Cursor(EPOCH, 0, 1), 0, "{}".getBytes(StandardCharsets.UTF_8))));
        assertEquals(1, session.log.size());
    }

    private static RelayEvent event(int partition, long offset) {
        return event(partition, offset, 2);
    }

    private static RelayEvent event(int partition, long offset, int size) {
        byte[] json = ("{\"p\":" + partition + ",\"o\":" + offset + ",\"pad\":\"" + "x".repeat(size) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        return new RelayEvent("id-" + partition + "-" + offset, LOB, "contact-" + partition,
                PayloadType.CONNECTION_RESPONSE, new Cursor(EPOCH, partition, offset), 0, json);
    }

    private static String describe(String offset) {
        return RecoveryOffset.decode(offset).orElseThrow().asMap().toString();
    }

    private final class FakeSession implements SocketIoStream.Session {
        final List<String> log = new ArrayList<>();
        final List<byte[]> packets = new ArrayList<>();
        int closedWith;
        private final Principal principal = new Principal(LOB, null, Instant.now().plusSeconds(3600));

        @Override
        public Principal principal() {
            return principal;
        }

        @Override
        public void sendPacket(byte[] packet) {
            try {
                JsonNode args = SocketIoPackets.JSON.readTree(new String(packet, 2, packet.length - 2,
                        StandardCharsets.UTF_8));
                String offset = args.get(2).asText();
                packets.add(packet);
                log.add("event " + args.get(1).get("p").asInt() + "@" + args.get(1).get("o").asLong() + " "
                        + describe(offset));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public SocketIoContext.EventNames eventNames() {
            return SocketIoContext.EventNames.NOTIFICATION;
        }

        @Override
        public boolean hasRoom() {
            return true;
        }

        @Override
        public boolean awaitRoom(long nanos) {
            return true;
        }

        @Override
        public void whenRoom(Runnable task) {
            task.run();
        }

        @Override
        public void caughtUp(boolean recovered, String reason, String offset) {
            log.add("caughtUp " + recovered + " " + reason + " " + describe(offset));
        }

        @Override
        public void close(int code, String reason) {
            closedWith = code;
        }
    }

    /** Two partitions, both served here; contact-N lives on partition N. */
    private static final class TwoPartitions implements PartitionView {
        @Override
        public int partitionCount() {
            return 2;
        }

        @Override
        public String epoch() {
            return EPOCH;
        }

        @Override
        public int partitionOf(String contactId) {
            return contactId.endsWith("1") ? 1 : 0;
        }

        @Override
        public int partitionOf(String contactId, int partitionCount) {
            return partitionOf(contactId);
        }

        @Override
        public Set<Integer> ownedPartitions() {
            return Set.of(0, 1);
        }

        @Override
        public Optional<String> ownerOf(int partition) {
            return Optional.empty();
        }
    }
}
