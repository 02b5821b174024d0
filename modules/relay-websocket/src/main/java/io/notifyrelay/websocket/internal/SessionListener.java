package io.notifyrelay.websocket.internal;

import io.notifyrelay.websocket.CloseCodes;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Feeds a session the frames of its connection; runs on the connection's I/O thread. Text and binary messages are
 * read by {@link BoundedMessage}: one larger than the frame limit closes the session with 1009 (RFC 6455's code for
 * it) as soon as the bytes past the limit arrive.
 */
final class SessionListener extends AbstractReceiveListener {

    private final WsSession session;
    private final int maxFrameBytes;

    SessionListener(WsSession session, int maxFrameBytes) {
        this.session = session;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void onText(WebSocketChannel channel, StreamSourceFrameChannel message) {
        BoundedMessage.read(message, maxFrameBytes, sink(channel, true));
    }

    @Override
    protected void onBinary(WebSocketChannel channel, StreamSourceFrameChannel message) {
        BoundedMessage.read(message, maxFrameBytes, sink(channel, false));
    }

    private BoundedMessage.Sink sink(WebSocketChannel channel, boolean text) {
        return new BoundedMessage.Sink() {
            @Override
            public void complete(byte[] bytes) {
                // the channel has checked a text message is UTF-8; binary frames are not part of the protocol
                session.onText(text ? new String(bytes, StandardCharsets.UTF_8) : "{\"type\":\"binary\"}");
            }

            @Override
            public void tooBig() {
                session.close(CloseCodes.MESSAGE_TOO_BIG, "frame larger than " + maxFrameBytes + " bytes");
            }

            @Override
            public void failed(IOException error) {
                onError(channel, error);
            }
        };
    }

    @Override
    protected void onFullPongMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
        message.getData().free();
        session.heard();
    }
}
