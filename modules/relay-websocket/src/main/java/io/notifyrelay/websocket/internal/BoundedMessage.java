package io.notifyrelay.websocket.internal;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.xnio.ChannelListener;

/**
 * Reads one client message (all of its fragments) into memory, counting its bytes as they arrive: past the bound
 * it stops reading and says so ({@link Sink#tooBig}), so an oversized frame is known by its size rather than by
 * the text of an error from the server library. Runs on the connection's I/O thread; both transports use it.
 */
public final class BoundedMessage implements ChannelListener<StreamSourceFrameChannel> {

    /** Where the message goes; exactly one of the three is called. */
    public interface Sink {
        void complete(byte[] message);

        void tooBig();

        void failed(IOException error);
    }

    private final int maxBytes;
    private final Sink sink;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private boolean listening;
    private boolean done;

    private BoundedMessage(int maxBytes, Sink sink) {
        this.maxBytes = maxBytes;
        this.sink = sink;
    }

    /** Reads what has arrived of the message, then the rest as it arrives. */
    public static void read(StreamSourceFrameChannel message, int maxBytes, Sink sink) {
        new BoundedMessage(maxBytes, sink).handleEvent(message);
    }

    @Override
    public void handleEvent(StreamSourceFrameChannel message) {
        if (done) {
            return;
        }
        PooledByteBuffer pooled = message.getWebSocketChannel().getBufferPool().allocate();
        try {
            ByteBuffer buffer = pooled.getBuffer();
            while (true) {
                buffer.clear();
                int read = message.read(buffer);
                if (read == -1) {
                    finish(message);
                    sink.complete(data.toByteArray());
                    return;
                }
                if (read == 0) {
                    if (!listening) {
                        listening = true;
                        message.getReadSetter().set(this);
                    }
                    message.resumeReads();
                    return;
                }
                if (data.size() + read > maxBytes) {
                    finish(message);
                    sink.tooBig();
                    return;
                }
                buffer.flip();
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                data.writeBytes(chunk);
            }
        } catch (IOException e) {
            finish(message);
            sink.failed(e);
        } finally {
            pooled.close();
        }
    }

    private void finish(StreamSourceFrameChannel message) {
        done = true;
        if (listening) {
            message.suspendReads();
            message.getReadSetter().set(null);
        }
    }
}
