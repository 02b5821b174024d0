package io.notifyrelay.websocket.internal;

import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketChannel;
import java.io.IOException;

/**
 * The frame listener of both transports: every text and binary message is read by {@link BoundedMessage}, so one
 * larger than {@code maxFrameBytes} is refused as soon as the bytes past the limit arrive. Runs on the connection's
 * I/O thread.
 */
public abstract class BoundedReceiveListener extends AbstractReceiveListener {

    private final int maxFrameBytes;

    protected BoundedReceiveListener(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    protected int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** A whole message within the limit; {@code text} is false for a binary one. */
    protected abstract void onMessage(WebSocketChannel channel, byte[] message, boolean text);

    /** A message passed the limit (the session closes with 1009). */
    protected abstract void onTooBig(WebSocketChannel channel);

    @Override
    protected final void onText(WebSocketChannel channel, StreamSourceFrameChannel message) {
        BoundedMessage.read(message, maxFrameBytes, sink(channel, true));
    }

    @Override
    protected final void onBinary(WebSocketChannel channel, StreamSourceFrameChannel message) {
        BoundedMessage.read(message, maxFrameBytes, sink(channel, false));
    }

    private BoundedMessage.Sink sink(WebSocketChannel channel, boolean text) {
        return new BoundedMessage.Sink() {
            @Override
            public void complete(byte[] bytes) {
                onMessage(channel, bytes, text);
            }

            @Override
            public void tooBig() {
                onTooBig(channel);
            }

            @Override
            public void failed(IOException error) {
                onError(channel, error);
            }
        };
    }
}
