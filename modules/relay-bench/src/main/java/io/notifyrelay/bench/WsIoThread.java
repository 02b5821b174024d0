package io.notifyrelay.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/** A selector thread of the load client: runs the connections registered with it and the tasks given to it. */
final class WsIoThread extends Thread {
    private final WsLoadClient client;
    final Selector selector;
    final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    final java.util.Set<WsConnection> conns = new java.util.HashSet<>();
    final AtomicLong events = new AtomicLong();
    /** How the reads of subscribed connections fell on frame boundaries (see {@link WsLoadClient.ReadShapes}). */
    private volatile long reads;
    private volatile long splitReads;
    private volatile long multiFrameReads;
    volatile long lastEventNanos;
    ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
    private volatile boolean running = true;

    WsIoThread(WsLoadClient client, String name) {
        super(name);
        this.client = client;
        setDaemon(true);
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Called by this thread only: one read completed {@code frames} frames and left a partial one if {@code split}. */
    void countRead(int frames, boolean split) {
        reads++;
        if (split) {
            splitReads++;
        }
        if (frames > 1) {
            multiFrameReads++;
        }
    }

    WsLoadClient.ReadShapes readShapes() {
        return new WsLoadClient.ReadShapes(reads, splitReads, multiFrameReads);
    }

    /** A bigger read buffer for the next read; the caller has copied what it needs from the old one. */
    void grow(int size) {
        if (size > buffer.capacity()) {
            buffer = ByteBuffer.allocate(size);
        }
    }

    void submit(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    void closeAllConnections() {
        for (WsConnection c : conns.toArray(new WsConnection[0])) {
            c.closeNow(null);
        }
    }

    void shutdown() {
        running = false;
        selector.wakeup();
    }

    @Override
    public void run() {
        while (running) {
            try {
                selector.select(100);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    WsConnection c = (WsConnection) k.attachment();
                    try {
                        if (!k.isValid()) {
                            continue;
                        }
                        if (k.isConnectable()) {
                            c.onConnectable();
                            continue;
                        }
                        if (k.isWritable()) {
                            c.onWritable();
                        }
                        if (k.isValid() && k.isReadable()) {
                            c.onReadable();
                        }
                    } catch (ClosedChannelException e) {
                        c.closeNow(null);
                    } catch (IOException | RuntimeException e) {
                        c.closeNow(c.isReady() ? null : "I/O: " + e);
                    }
                }
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
            } catch (IOException | RuntimeException e) {
                client.lastFailure = "selector: " + e;
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // ignore
        }
    }
}
