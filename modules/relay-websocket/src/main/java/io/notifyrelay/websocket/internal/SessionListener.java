package io.notifyrelay.websocket.internal;

import io.notifyrelay.websocket.CloseCodes;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import java.io.IOException;

/** Feeds a session the frames of its connection; runs on the connection's I/O thread. */
final class SessionListener extends AbstractReceiveListener {

    private final WsSession session;
    private final int maxFrameBytes;

    SessionListener(WsSession session, int maxFrameBytes) {
        this.session = session;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected long getMaxTextBufferSize() {
        return maxFrameBytes;
    }

    @Override
    protected long getMaxBinaryBufferSize() {
        return maxFrameBytes;
    }

    @Override
    protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) {
        session.onText(message.getData());
    }

    @Override
    protected void onFullBinaryMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
        message.getData().free();
        session.onText("{\"type\":\"binary\"}");
    }

    @Override
    protected void onFullPongMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
        message.getData().free();
        session.heard();
    }

    @Override
    protected void onError(WebSocketChannel channel, Throwable error) {
        if (error instanceof IOException && String.valueOf(error.getMessage()).contains("UT002006")) {
            // frame larger than the limit: tell the client, as RFC 6455 code 1009 says
            session.close(CloseCodes.MESSAGE_TOO_BIG, "frame larger than " + maxFrameBytes + " bytes");
            return;
        }
        super.onError(channel, error);
    }
}
