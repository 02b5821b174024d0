package io.notifyrelay.websocket.internal;

import io.notifyrelay.websocket.CloseCodes;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.WebSocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Feeds a session the frames of its connection; runs on the connection's I/O thread. Text and binary messages are
 * read by {@link BoundedMessage}: one larger than the frame limit closes the session with 1009 (RFC 6455's code for
 * it) as soon as the bytes past the limit arrive.
 */
final class SessionListener extends BoundedReceiveListener {

    private final WsSession session;

    SessionListener(WsSession session, int maxFrameBytes) {
        super(maxFrameBytes);
        this.session = session;
    }

    @Override
    protected void onMessage(WebSocketChannel channel, byte[] message, boolean text) {
        // the channel has checked a text message is UTF-8; binary frames are not part of the protocol
        session.onText(text ? new String(message, StandardCharsets.UTF_8) : "{\"type\":\"binary\"}");
    }

    @Override
    protected void onTooBig(WebSocketChannel channel) {
        session.close(CloseCodes.MESSAGE_TOO_BIG, "frame larger than " + maxFrameBytes() + " bytes");
    }

    @Override
    protected void onFullPongMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
        message.getData().free();
        session.heard();
    }
}
