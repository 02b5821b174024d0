package io.notifyrelay.bench;

import java.util.List;

/**
 * The Socket.IO path (issue 17): on one relay node, the fan-out burst to Socket.IO sessions (Engine.IO v4 over the
 * {@code websocket} transport, {@code REGISTER_SOCKET} for their LOB), then, back to back, to as many LOB-wide
 * {@code /v1/ws} sessions; twice, and the second round counts: in one round the second population's bursts ran
 * on a JVM the first had warmed (ws 275k msg per CPU-s in its warm-up burst where socket.io had 147k), which
 * flattered whichever came second. A message is an event delivered to a session: the Socket.IO sessions ask for each
 * notification once ({@code auth.events = "notification"}), since by default the relay also emits it under its
 * payloadType name (two packets per event, which a front-end with one listener does not want).
 */
final class SocketIoPhase {

    static final String MESSAGE = "an event delivered to a session: one notification packet (socket.io,"
            + " auth.events=notification) or one event frame (/v1/ws)";

    /** {@code socketIo} and {@code ws}: the second round; the first round's, unmeasured warm-up, follow. */
    record SocketIoResult(int sessions, int lobs, int fanOut, String message, LobWideRun.Result socketIo,
                          LobWideRun.Result ws, Double ratioSocketIoToWs, LobWideRun.Result firstRoundSocketIo,
                          LobWideRun.Result firstRoundWs) {
    }

    private SocketIoPhase() {
    }

    static SocketIoResult run(BenchContext ctx) {
        try (RelayProcess node = RelayProcess.start(ctx, ctx.o.groupProtocol, List.of())) {
            LobWideRun.Result sio1 = LobWideRun.measure(ctx, node, "socketio-round1", SessionPopulation.Kind.SOCKET_IO,
                    6_000_000);
            LobWideRun.Result ws1 = LobWideRun.measure(ctx, node, "socketio-ws-round1", SessionPopulation.Kind.LOB_WIDE,
                    7_000_000);
            LobWideRun.Result sio = LobWideRun.measure(ctx, node, "socketio", SessionPopulation.Kind.SOCKET_IO,
                    8_000_000);
            LobWideRun.Result ws = LobWideRun.measure(ctx, node, "socketio-ws", SessionPopulation.Kind.LOB_WIDE,
                    9_000_000);
            return new SocketIoResult(sio.sessionCount(), sio.lobs(), sio.fanOut(), MESSAGE, sio, ws,
                    Summary.ratio(sio.deliveredPerCpuSecond(), ws.deliveredPerCpuSecond()), sio1, ws1);
        }
    }
}
