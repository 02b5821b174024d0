package io.notifyrelay.bench;

import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;

/**
 * The floor under the relay's per-session memory: a bare Undertow WebSocket server (same Undertow, same defaults
 * as {@code RelayWebSocketServer}) that answers {@code auth} with {@code welcome} and {@code subscribe} with
 * {@code subscribed} and keeps nothing per session. Run by the bench's memory phase with
 * {@code --relay-main io.notifyrelay.bench.UndertowFloor}; reads RELAY_HTTP_PORT like the relay.
 */
public final class UndertowFloor {

    private UndertowFloor() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(System.getenv().getOrDefault("RELAY_HTTP_PORT", "8080"));
        Undertow server = Undertow.builder()
                .addHttpListener(port, "0.0.0.0")
                .setHandler(Handlers.path()
                        .addExactPath("/v1/ws", Handlers.websocket((exchange, channel) -> {
                            channel.getReceiveSetter().set(new AbstractReceiveListener() {
                                @Override
                                protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                                    String text = message.getData();
                                    if (text.contains("\"auth\"")) {
                                        WebSockets.sendText("{\"type\":\"welcome\"}", ch, null);
                                    } else if (text.contains("\"subscribe\"")) {
                                        WebSockets.sendText("{\"type\":\"subscribed\"}", ch, null);
                                    }
                                }
                            });
                            channel.resumeReceives();
                        }))
                        .addExactPath("/health/ready", exchange -> exchange.getResponseSender().send("{}")))
                .build();
        server.start();
        Thread.currentThread().join();
    }
}
