package io.notifyrelay.websocket.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.websocket.session.RecoveryOffset;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Socket.IO connection state recovery as socket.io-client ≥ 4.6 asks for it: its CONNECT auth carries the
 * {@code pid} of its previous connection and the last {@code offset} it received (the last argument of its last
 * event). Both are the client's word: checked strictly, and they only ever say where to replay from.
 */
final class SocketIoRecovery {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern PID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private SocketIoRecovery() {
    }

    /**
     * What a reconnecting client asked for.
     *
     * @param problem why nothing can be recovered ({@code no_offset}, {@code bad_offset}, {@code epoch_changed}),
     *                or null when the replay may be tried from {@code offset}
     */
    record Ask(String pid, RecoveryOffset offset, String problem) {
    }

    /** A fresh private id for a connection: what the client sends back as {@code pid} when it reconnects. */
    static String newPid() {
        byte[] bytes = new byte[15];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static Ask read(JsonNode pid, JsonNode offset, String currentEpoch) {
        if (!pid.isTextual() || !PID.matcher(pid.asText()).matches()) {
            return new Ask(null, null, "bad_offset");
        }
        if (offset == null || offset.isNull()) {
            return new Ask(pid.asText(), null, "no_offset");
        }
        Optional<RecoveryOffset> decoded = offset.isTextual() ? RecoveryOffset.decode(offset.asText()) : Optional.empty();
        if (decoded.isEmpty()) {
            return new Ask(pid.asText(), null, "bad_offset");
        }
        if (!decoded.get().epoch().equals(currentEpoch)) {
            return new Ask(pid.asText(), null, "epoch_changed"); // the topic was recreated: other events now
        }
        return new Ask(pid.asText(), decoded.get(), null);
    }
}
