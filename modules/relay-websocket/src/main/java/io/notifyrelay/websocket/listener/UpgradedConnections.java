package io.notifyrelay.websocket.listener;

import io.undertow.websockets.WebSocketConnectionCallback;
import java.util.concurrent.atomic.AtomicInteger;

/** Connections of the client listener that became WebSockets (/v1/ws and /socket.io/): not pending any more. */
public final class UpgradedConnections {

    private final AtomicInteger open = new AtomicInteger();

    /** {@code next}, counting each WebSocket from its upgrade until it closes. */
    public WebSocketConnectionCallback counting(WebSocketConnectionCallback next) {
        return (exchange, channel) -> {
            open.incrementAndGet();
            channel.addCloseTask(closed -> open.decrementAndGet());
            next.onConnect(exchange, channel);
        };
    }

    public int count() {
        return open.get();
    }
}
