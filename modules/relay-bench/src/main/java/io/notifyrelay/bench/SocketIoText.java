package io.notifyrelay.bench;

import java.nio.charset.StandardCharsets;

/**
 * The Socket.IO side of a {@link WsConnection} (Engine.IO v4 over the {@code websocket} transport, no polling), as
 * the relay speaks it (docs/socket-io.md): wait for the open packet {@code 0{...}}, send the CONNECT
 * ({@code 40{"token":...}}), wait for its answer {@code 40{...}}, emit {@code REGISTER_SOCKET}, wait for a
 * successful {@code REGISTER_SOCKET_RESPONSE}; then count {@code notification} events and answer each Engine.IO
 * ping {@code 2} with a pong {@code 3}. Like the {@code /v1/ws} client it looks at an event only to count it and
 * to read the bench's produce timestamp.
 */
final class SocketIoText {

    private static final byte[] OPEN = "0{".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTED = "40".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECT_ERROR = "44".getBytes(StandardCharsets.US_ASCII);
    static final byte[] NOTIFICATION = "42[\"notification\",".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REGISTERED = "42[\"REGISTER_SOCKET_RESPONSE\",".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUCCESS = "\"success\":true".getBytes(StandardCharsets.US_ASCII);

    private SocketIoText() {
    }

    static void onText(WsConnection c, byte[] a, int from, int to) {
        if (to - from == 1 && a[from] == '2') {
            c.sendTextNow("3"); // Engine.IO heartbeat: the relay closes a session that misses one
            c.client().pings.incrementAndGet();
            return;
        }
        switch (c.state()) {
            case AUTH -> {
                if (WsFrames.startsWith(a, from, to, OPEN)) {
                    c.state(WsConnection.ConnState.CONNECT_SENT);
                    c.sendTextNow(c.spec.authFrame());
                } else {
                    c.closeNow("expected the Engine.IO open packet, got " + text(a, from, to));
                }
            }
            case CONNECT_SENT -> {
                if (WsFrames.startsWith(a, from, to, CONNECTED)) {
                    c.state(WsConnection.ConnState.SUBSCRIBING);
                    c.sendTextNow(c.spec.subscribeFrame());
                } else {
                    c.closeNow("CONNECT refused or unexpected: " + text(a, from, to));
                }
            }
            case SUBSCRIBING -> {
                if (WsFrames.startsWith(a, from, to, NOTIFICATION)) {
                    c.countEvent(timestamp(a, from, to)); // live events may overtake the response
                } else if (WsFrames.startsWith(a, from, to, REGISTERED) && WsFrames.contains(a, from, to, SUCCESS)) {
                    c.becomeReady();
                } else {
                    c.closeNow("expected a successful REGISTER_SOCKET_RESPONSE, got " + text(a, from, to));
                }
            }
            case READY -> {
                if (WsFrames.startsWith(a, from, to, NOTIFICATION)) {
                    c.countEvent(timestamp(a, from, to));
                } else if (WsFrames.startsWith(a, from, to, CONNECT_ERROR)) {
                    c.client().errorFrames.incrementAndGet();
                } else {
                    c.client().otherFrames.incrementAndGet();
                }
            }
            default -> {
            }
        }
    }

    /**
     * The bench's produce time in {@code 42["notification",<notification>,"<offset>"]}: the notification ends just
     * before the offset, the last argument. Long.MIN_VALUE if the packet is not shaped so.
     */
    static long timestamp(byte[] a, int from, int to) {
        if (to - from < 4 || a[to - 1] != ']' || a[to - 2] != '"') {
            return Long.MIN_VALUE;
        }
        int q = to - 3;
        while (q > from && a[q] != '"') {
            q--;
        }
        // a[q] opens the offset, a[q - 1] is the comma: the notification ends at q - 2, as an event frame's does
        return q > from && a[q - 1] == ',' ? Notifications.readTimestamp(a, from, q) : Long.MIN_VALUE;
    }

    private static String text(byte[] a, int from, int to) {
        return new String(a, from, Math.min(to - from, 300), StandardCharsets.UTF_8);
    }
}
