package io.notifyrelay.client;

/** One connection to a node, as the transport reports it: one message at a time. */
final class Connection implements WebSocketTransport.Handler {
    final Node node;
    volatile String token;
    private final ClientState s;

    Connection(Node node, ClientState s) {
        this.node = node;
        this.s = s;
    }

    @Override
    public void opened(WebSocketTransport.Socket socket) {
        s.sessions.onOpen(this, socket);
    }

    @Override
    public void text(String text) {
        s.sessions.onFrame(this, text);
    }

    @Override
    public void heard() {
        synchronized (s.lock) {
            if (s.sessions.current(this)) {
                node.lastHeardNanos = System.nanoTime();
            }
        }
    }

    @Override
    public boolean holdReading() {
        synchronized (s.lock) {
            return s.sessions.readingHeld();
        }
    }

    @Override
    public void closed(int code, String reason) {
        s.sessions.onClosed(this, code, reason);
    }
}
