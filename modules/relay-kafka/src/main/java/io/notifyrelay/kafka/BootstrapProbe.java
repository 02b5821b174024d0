package io.notifyrelay.kafka;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Says what each bootstrap address does at the TCP level, for the start-up message when the Kafka client
 * got no answer: refused, unknown host, no answer, or accepting connections (then the protocol or security
 * settings are the likely cause).
 */
final class BootstrapProbe {

    private static final int CONNECT_TIMEOUT_MS = 1_000;

    private BootstrapProbe() {
    }

    static String describe(String bootstrapServers) {
        List<String> outcomes = new ArrayList<>();
        for (String address : bootstrapServers.split(",")) {
            outcomes.add(address.trim() + " " + probe(address.trim()));
        }
        return String.join(", ", outcomes);
    }

    private static String probe(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            return "is not host:port";
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            return "is not host:port";
        }
        try (Socket socket = new Socket()) {
            InetSocketAddress target = new InetSocketAddress(host, port);
            if (target.isUnresolved()) {
                return "unknown host";
            }
            socket.connect(target, CONNECT_TIMEOUT_MS);
            return "accepts TCP connections but gave no Kafka answer (wrong port, TLS or SASL expected?)";
        } catch (UnknownHostException e) {
            return "unknown host";
        } catch (ConnectException e) {
            return "refused the connection";
        } catch (SocketTimeoutException e) {
            return "did not answer a TCP connect within " + CONNECT_TIMEOUT_MS + " ms";
        } catch (IOException | IllegalArgumentException e) {
            return "failed: " + e.getMessage();
        }
    }
}
