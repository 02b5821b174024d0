package io.notifyrelay.websocket.internal;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.log.RateLimitedLog;
import io.notifyrelay.core.receipt.EventRef;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.routing.Subscriber;
import io.notifyrelay.websocket.CloseCodes;
import io.notifyrelay.websocket.session.CatchUp;
import io.notifyrelay.websocket.session.ForwardOffsets;
import io.notifyrelay.websocket.session.FrameRate;
import io.notifyrelay.websocket.session.OutboundBytes;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One /v1/ws connection, the transport over the session core: frames in ({@link ClientFrame}, counted by
 * {@link FrameRate}), frames out (counted in {@link OutboundBytes}, each event once per {@link ForwardOffsets}),
 * heartbeat and close. Its token is {@link WsAuth}'s, its subscriptions {@link WsSubscriptions}', a resume
 * {@link WsResume}'s.
 *
 * <p>Client frames arrive on the connection's I/O thread; events arrive on the consumer thread through
 * {@link #deliver}. Delivery never blocks: bytes not yet written to the socket are counted, and a
 * session whose count passes the limit is closed with 4429 so it cannot hold memory or slow anyone.
 */
public final class WsSession implements Subscriber {

    private static final Logger log = LoggerFactory.getLogger(WsSession.class);
    /** Should never happen; if it does, every live event could say so: at most a few lines a second. */
    private static final RateLimitedLog refusedLog = new RateLimitedLog(log, 5);

    private final String id;
    private final WebSocketChannel channel;
    private final SessionContext context;
    /** Bytes queued and not yet written, and the catch-up waiting for room. */
    private final OutboundBytes outbound;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final WsAuth auth;
    private final WsSubscriptions subscriptions;
    /** What was sent per partition, allocated on the first event so idle sessions hold none. */
    private volatile ForwardOffsets sent;
    /** Live events of partitions still being replayed wait here until the replay is over. */
    private final CatchUp catchUp;
    private volatile boolean resuming;
    /** The resume in flight, cancelled if the session closes first. */
    private volatile Replayer.Resume resumeInFlight = Replayer.Resume.DONE;
    /** Client frames this second; I/O thread only. */
    private final FrameRate frameRate = new FrameRate();
    private volatile long lastHeardNanos;
    /** Null until the client subscribes with {@code ack: true}. */
    private volatile AckWindow acks;

    WsSession(String id, WebSocketChannel channel, SessionContext context) {
        this.id = id;
        this.channel = channel;
        this.context = context;
        this.outbound = new OutboundBytes(context.settings().maxOutboundBytes(), closing::get);
        this.catchUp = new CatchUp(context.settings().maxOutboundBytes());
        this.auth = new WsAuth(this);
        this.subscriptions = new WsSubscriptions(this);
        this.lastHeardNanos = context.ticker().getAsLong();
    }

    public String id() {
        return id;
    }

    SessionContext context() {
        return context;
    }

    Principal principal() {
        return auth.principal();
    }

    WsSubscriptions subscriptions() {
        return subscriptions;
    }

    OutboundBytes outbound() {
        return outbound;
    }

    CatchUp catchUp() {
        return catchUp;
    }

    boolean isClosing() {
        return closing.get();
    }

    XnioExecutor ioThread() {
        return channel.getIoThread();
    }

    void onOpen() {
        auth.start(channel.getIoThread());
    }

    /** Any frame, pong included, shows the client is alive. */
    void heard() {
        lastHeardNanos = context.ticker().getAsLong();
    }

    void onText(String text) {
        heard();
        // counted at the time heard() took
        if (!frameRate.admit(context.limits().maxFramesPerSecond(), lastHeardNanos)) {
            close(CloseCodes.POLICY_VIOLATION, "more than " + context.limits().maxFramesPerSecond() + " frames per second");
            return;
        }
        ClientFrame frame = ClientFrame.parse(text);
        if (frame instanceof ClientFrame.Ping) {
            sendControl(ServerFrames.pong());
        } else if (frame instanceof ClientFrame.Invalid invalid) {
            context.metrics().rejectedFrame(invalid.code());
            sendControl(ServerFrames.error(invalid.code(), invalid.message()));
        } else if (frame instanceof ClientFrame.Auth authFrame) {
            auth.onAuth(authFrame.token(), authFrame.previousSession());
        } else if (principal() == null) {
            close(CloseCodes.UNAUTHORIZED, "send auth first");
        } else if (frame instanceof ClientFrame.Subscribe subscribe) {
            onSubscribe(subscribe);
        } else if (frame instanceof ClientFrame.Unsubscribe unsubscribe) {
            subscriptions.onUnsubscribe(unsubscribe.contacts());
        } else if (frame instanceof ClientFrame.Ack ack) {
            onAck(ack.ids());
        }
    }

    /** Each id this session got (among its last {@link AckWindow#CAPACITY}) becomes one acknowledgement; others are ignored. */
    private void onAck(List<String> ids) {
        AckWindow window = acks;
        if (window == null) {
            sendControl(ServerFrames.error("bad_frame", "subscribe with \"ack\": true before sending ack"));
            return;
        }
        for (String eventId : ids) {
            EventRef event = window.take(eventId, principal().lobId());
            if (event != null) {
                context.outcomes().acknowledged(event);
            }
        }
    }

    private void onSubscribe(ClientFrame.Subscribe subscribe) {
        if (subscribe.ack() && acks == null) {
            acks = new AckWindow();
        }
        if (resuming) {
            sendControl(ServerFrames.error("resume_in_progress", "wait for subscribed before subscribing again"));
            return;
        }
        subscriptions.onSubscribe(subscribe);
    }

    void resumeStarted() {
        resuming = true;
    }

    void resumeInFlight(Replayer.Resume resume) {
        resumeInFlight = resume;
    }

    void resumeFinished() {
        resuming = false;
    }

    /** A live event from the consumer thread. */
    @Override
    public void deliver(RelayEvent event) {
        Principal who = principal();
        if (who == null || closing.get()) {
            return;
        }
        if (!who.lobId().equals(event.lobId()) || !who.mayReceive(event.contactId())) {
            // the registry should make this impossible; never let it through if it happens
            refusedLog.error("Refused to deliver {} to session {} of lob {}", event, id, who.lobId());
            return;
        }
        CatchUp.Offer offer = catchUp.offer(event);
        if (offer == CatchUp.Offer.TOO_MANY) {
            close(CloseCodes.TOO_SLOW, "too many live events waiting while catching up; resume again later");
        }
        if (offer != CatchUp.Offer.PASS) {
            return;
        }
        send(event, true);
    }

    /**
     * Writes an event; with {@code onlyForward}, unless this session already has it: offsets only go forward
     * per partition, which makes the replay/live seam and redelivery after a rebalance exact.
     */
    boolean send(RelayEvent event, boolean onlyForward) {
        if (closing.get()) {
            return false;
        }
        ForwardOffsets offsets = sentOffsets();
        if (!onlyForward) {
            offsets.passed(event.partition(), event.offset());
        } else if (!offsets.advance(event.partition(), event.offset())) {
            context.metrics().duplicateSkipped();
            return false;
        }
        byte[] frame = event.encoded(ServerFrames.EVENT_ENCODER);
        if (!outbound.add(frame.length)) {
            context.metrics().dropped("slow_session");
            context.outcomes().dropped(event);
            close(CloseCodes.TOO_SLOW, "session too slow: more than " + context.settings().maxOutboundBytes()
                    + " bytes waiting; reconnect and resume from your last cursor");
            return false;
        }
        context.metrics().delivered();
        AckWindow window = acks;
        if (window != null) {
            window.sent(event);
        }
        WebSockets.sendText(ByteBuffer.wrap(frame), channel, new Written(frame.length, event));
        return true;
    }

    private ForwardOffsets sentOffsets() {
        ForwardOffsets offsets = sent;
        if (offsets == null) {
            synchronized (this) {
                offsets = sent;
                if (offsets == null) {
                    offsets = new ForwardOffsets(context.partitions().partitionCount());
                    sent = offsets;
                }
            }
        }
        return offsets;
    }

    void sendControl(String json) {
        if (closing.get()) {
            return;
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        outbound.add(bytes.length); // control frames are small and few: counted, never refused
        WebSockets.sendText(ByteBuffer.wrap(bytes), channel, new Written(bytes.length, null));
    }

    /** Called by the server's heartbeat sweep, once per interval; the work runs on this session's I/O thread. */
    public void heartbeatOnItsThread() {
        if (principal() != null && !closing.get()) {
            onIoThread(this::heartbeat);
        }
    }

    private void heartbeat() {
        if (closing.get()) {
            return;
        }
        long silentMs = TimeUnit.NANOSECONDS.toMillis(context.ticker().getAsLong() - lastHeardNanos);
        if (silentMs > 2 * context.settings().heartbeatInterval().toMillis()) {
            log.debug("Session {} silent for {} ms; closing", id, silentMs);
            IoUtils.safeClose(channel);
            return;
        }
        WebSockets.sendPing(ByteBuffer.allocate(0), channel, null);
    }

    /** Sends a close frame, then drops the connection if the client does not answer in time. */
    public void close(int code, String reason) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        log.debug("Closing session {} with {}: {}", id, code, reason);
        context.metrics().closed(code);
        Principal who = principal();
        if (code == CloseCodes.TOO_SLOW && who != null) {
            context.recentCloses().remember(id, who.lobId(), code, reason);
        }
        WebSockets.sendClose(code, truncateReason(reason), channel, null);
        try {
            channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel),
                    context.settings().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            IoUtils.safeClose(channel); // the server is stopping its I/O threads: close now
        }
    }

    /** Called once the connection is gone, however it ended. */
    void onClosed() {
        closing.set(true);
        resumeInFlight.cancel(); // queued replays are dropped, a running one stops at its next batch
        outbound.close();
        auth.closed();
        Principal who = principal();
        if (who != null) {
            context.lobSessions().release(who.lobId());
            subscriptions.leaveAll(who.lobId());
        }
        context.sessionClosed(this);
    }

    /** Runs {@code task} on this connection's I/O thread, where all of its state changes happen. */
    public void onIoThread(Runnable task) {
        try {
            channel.getIoThread().execute(task);
        } catch (RejectedExecutionException stopping) {
            IoUtils.safeClose(channel); // the I/O thread is gone: nothing more can happen on this session
        }
    }

    public void notifyRevoked(Set<Integer> revoked) {
        onIoThread(() -> subscriptions.partitionsRevoked(revoked));
    }

    public void notifyAssigned(Set<Integer> assigned) {
        onIoThread(() -> subscriptions.partitionsAssigned(assigned));
    }

    /** Tells the client whether this node reaches Kafka; once authenticated, nothing before. */
    public void notifyKafkaStatus(boolean reachable) {
        onIoThread(() -> {
            if (principal() != null) {
                sendControl(ServerFrames.status(reachable));
            }
        });
    }

    public void notifyPartitionCountChanged(int previous) {
        onIoThread(() -> subscriptions.partitionCountChanged(previous));
    }

    public void notifyRoutesChanged() {
        onIoThread(subscriptions::routesChanged);
    }

    /** Close reasons are limited to 123 bytes by RFC 6455. */
    private static String truncateReason(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 123) {
            return reason;
        }
        return new String(bytes, 0, 120, StandardCharsets.UTF_8).replace("\uFFFD", "") + "...";
    }

    private final class Written implements WebSocketCallback<Void> {
        private final int size;
        private final long recordTimestampMs;
        /** The event written, or null for control frames. */
        private final RelayEvent event;

        Written(int size, RelayEvent event) {
            this.size = size;
            this.event = event;
            this.recordTimestampMs = event == null ? -1 : event.timestampMs();
        }

        @Override
        public void complete(WebSocketChannel ch, Void ignored) {
            outbound.released(size);
            if (recordTimestampMs >= 0) {
                context.metrics().written(recordTimestampMs);
            }
        }

        @Override
        public void onError(WebSocketChannel ch, Void ignored, Throwable throwable) {
            outbound.released(size);
            if (event != null) {
                context.metrics().dropped("write_failed");
                context.outcomes().dropped(event);
            }
            log.debug("Write to session {} failed: {}", id, throwable.toString());
            IoUtils.safeClose(ch);
        }
    }
}
