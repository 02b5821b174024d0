package io.notifyrelay.app;

import io.notifyrelay.websocket.ListenerBounds;
import io.notifyrelay.websocket.SocketIoLimits;
import io.notifyrelay.websocket.listener.DescriptorLimit;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Reads and checks for {@link ConfigLoader} what anonymous clients may make the listener hold (header bytes and
 * count, request and idle time, body size, connections), the socket.io limits and the management port.
 */
final class EdgeOptions {

    private final Function<ConfigOption, String> string;
    private final Function<ConfigOption, Duration> duration;
    private final List<String> problems;
    private final OptionalLong descriptorLimit;
    /** Fewer than this under {@code auto} means the descriptor limit is too low for a relay at all. */
    private static final int MIN_AUTO_CONNECTIONS = 64;

    EdgeOptions(Function<ConfigOption, String> string, Function<ConfigOption, Duration> duration, List<String> problems,
                OptionalLong descriptorLimit) {
        this.string = string;
        this.duration = duration;
        this.problems = problems;
        this.descriptorLimit = descriptorLimit;
    }

    RelayConfig.Edge edge(int httpPort) {
        return new RelayConfig.Edge(listenerBounds(), socketIoLimits(), managementPort(httpPort));
    }

    private ListenerBounds listenerBounds() {
        int headerBytes = intBetween(ConfigOption.MAX_HEADER_BYTES, 1024, 1 << 20);
        int headers = intBetween(ConfigOption.MAX_HEADERS, 8, 1000);
        Duration requestTimeout = durationBetween(ConfigOption.REQUEST_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(5));
        Duration idleTimeout = durationBetween(ConfigOption.IDLE_CONNECTION_TIMEOUT, Duration.ofMillis(100),
                Duration.ofHours(1));
        int requestBytes = intBetween(ConfigOption.MAX_REQUEST_BYTES, 1, 64 << 20);
        int connections = maxConnections();
        int pending = intBetween(ConfigOption.MAX_PENDING_CONNECTIONS, 1, Integer.MAX_VALUE);
        if (!problems.isEmpty()) {
            return null;
        }
        return new ListenerBounds(headerBytes, headers, requestTimeout, idleTimeout, requestBytes, connections,
                Math.min(pending, connections));
    }

    /** auto: what fits under the descriptor limit; a number must fit under it too, or accept would meet EMFILE. */
    private int maxConnections() {
        String value = string.apply(ConfigOption.MAX_CONNECTIONS);
        String name = ConfigOption.MAX_CONNECTIONS.envName();
        if ("auto".equalsIgnoreCase(value)) {
            if (descriptorLimit.isEmpty()) {
                return 10_000; // the OS does not say (not a Unix): a bound that suits a default descriptor limit
            }
            int fits = DescriptorLimit.connectionsWithin(descriptorLimit.getAsLong());
            if (fits < MIN_AUTO_CONNECTIONS) {
                problems.add(name + "=auto leaves " + fits + " connections under this process's file descriptor limit "
                        + "of " + descriptorLimit.getAsLong() + ": raise the limit (ulimit -n) or set a number");
            }
            return Math.max(1, fits);
        }
        int connections = intBetween(ConfigOption.MAX_CONNECTIONS, 1, Integer.MAX_VALUE);
        if (connections > 0 && descriptorLimit.isPresent()
                && connections > DescriptorLimit.connectionsWithin(descriptorLimit.getAsLong())) {
            problems.add(name + "=" + connections + " does not fit under this process's file descriptor limit of "
                    + descriptorLimit.getAsLong() + " (with " + DescriptorLimit.MIN_RESERVE + " or a tenth kept for Kafka "
                    + "and files, at most " + DescriptorLimit.connectionsWithin(descriptorLimit.getAsLong())
                    + "): lower it, set it to auto, or raise the limit (ulimit -n)");
        }
        return connections;
    }

    private SocketIoLimits socketIoLimits() {
        int packets = intBetween(ConfigOption.SOCKETIO_MAX_PACKETS_PER_SECOND, 1, 100_000);
        int unauthenticated = intBetween(ConfigOption.SOCKETIO_MAX_UNAUTHENTICATED, 1, Integer.MAX_VALUE);
        return packets > 0 && unauthenticated > 0 ? new SocketIoLimits(packets, unauthenticated) : null;
    }

    private Integer managementPort(int httpPort) {
        String value = string.apply(ConfigOption.MANAGEMENT_PORT);
        if (value == null) {
            return null;
        }
        int port = intBetween(ConfigOption.MANAGEMENT_PORT, 0, 65535);
        if (port != 0 && port == httpPort) {
            problems.add(ConfigOption.MANAGEMENT_PORT.envName() + " must differ from "
                    + ConfigOption.HTTP_PORT.envName() + " (" + httpPort + "); leave it unset to serve /metrics and "
                    + "/health on the HTTP port");
        }
        return port;
    }

    /** The option as a whole number in [min, max]; -1 and a problem otherwise. Shared with {@link FeedbackOptions}. */
    int intBetween(ConfigOption option, int min, int max) {
        String value = string.apply(option);
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                problems.add(option.envName() + " must be " + min + ".." + max + ", got " + parsed);
                return -1;
            }
            return parsed;
        } catch (NumberFormatException e) {
            problems.add(option.envName() + " must be a whole number, got '" + value + "'");
            return -1;
        }
    }

    Duration durationBetween(ConfigOption option, Duration min, Duration max) {
        int before = problems.size();
        Duration value = duration.apply(option);
        if (problems.size() == before && (value.compareTo(min) < 0 || value.compareTo(max) > 0)) {
            problems.add(option.envName() + " must be between " + min.toMillis() + "ms and " + max.toSeconds()
                    + "s, got " + value.toMillis() + "ms");
        }
        return value;
    }
}
