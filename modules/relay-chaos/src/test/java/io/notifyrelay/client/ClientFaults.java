package io.notifyrelay.client;

import java.time.Duration;

/**
 * The chaos tests' way to the client's fault injection, which is package-private so it stays out of the
 * client's API: this class sits in the client's package, in test code only.
 */
public final class ClientFaults {

    private final NotifyRelayClient.Faults faults;

    private ClientFaults(NotifyRelayClient client) {
        this.faults = client.faults();
    }

    public static ClientFaults of(NotifyRelayClient client) {
        return new ClientFaults(client);
    }

    /** Sockets cut, no close frame; the client reconnects. */
    public void dropConnections() {
        faults.dropConnections();
    }

    /** No connection and no routes for {@code duration}, then reconnect and resume. */
    public void goOffline(Duration duration) {
        faults.goOffline(duration);
    }

    /** Stop reading for {@code duration}, so the node's buffer for the session fills (4429). */
    public void stallReading(Duration duration) {
        faults.stallReading(duration);
    }
}
