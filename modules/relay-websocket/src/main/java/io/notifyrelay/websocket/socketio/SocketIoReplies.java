package io.notifyrelay.websocket.socketio;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.websocket.internal.ServerFrames;
import io.notifyrelay.websocket.session.RecentCloses;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** The packets a socket.io session answers with, as the client library and docs/socket-io.md expect them. */
final class SocketIoReplies {

    private SocketIoReplies() {
    }

    /** The Engine.IO {@code open} packet; {@code upgrades} lists websocket for polling sessions. */
    static byte[] open(String sid, SocketIoContext context, boolean polling) {
        ObjectNode open = SocketIoPackets.JSON.createObjectNode();
        open.put("sid", sid);
        open.putArray("upgrades");
        if (polling) {
            open.withArray("upgrades").add("websocket");
        }
        open.put("pingInterval", context.pingInterval().toMillis());
        open.put("pingTimeout", context.pingTimeout().toMillis());
        open.put("maxPayload", context.maxPayloadBytes());
        return SocketIoPackets.engine(SocketIoPackets.OPEN, open.toString());
    }

    /** The CONNECT reply: the same pid as before only when a recovery was complete. */
    static byte[] connected(String socketId, String pid) {
        return SocketIoPackets.socket(SocketIoPackets.CONNECT,
                SocketIoPackets.JSON.createObjectNode().put("sid", socketId).put("pid", pid).toString());
    }

    /** The RECOVERY event after a reconnect with {@code {pid, offset}}, with the previous close if one is known. */
    static byte[] recovery(boolean recovered, String reason, RecentCloses.Close previousClose) {
        ObjectNode body = SocketIoPackets.JSON.createObjectNode().put("recovered", recovered);
        if (reason != null) {
            body.put("reason", reason);
        }
        if (previousClose != null) {
            ServerFrames.previousClose(body.putObject("previousClose"), previousClose);
        }
        return SocketIoPackets.event(SocketIoContext.RECOVERY_EVENT, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    static byte[] tokenExpiring(Instant expiresAt, long refreshWithinMs) {
        ObjectNode body = SocketIoPackets.JSON.createObjectNode().put("expiresAt", expiresAt.toString())
                .put("refreshWithin", refreshWithinMs);
        return SocketIoPackets.event(SocketIoContext.TOKEN_EXPIRING_EVENT, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The body of REGISTER_SOCKET_RESPONSE (and of the acknowledgement, if one was asked for). */
    static byte[] registerResponse(String socketId, boolean success, String lobId, String message) {
        ObjectNode response = SocketIoPackets.JSON.createObjectNode();
        response.put("success", success);
        if (lobId == null) {
            response.putNull("lobId");
        } else {
            response.put("lobId", lobId);
        }
        response.put("socketId", socketId);
        response.put("message", message);
        return response.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** What a successful REGISTER_SOCKET says, with a warning when this node serves only some partitions. */
    static String registeredMessage(String socketId, Principal who, SocketIoContext context) {
        String message = "Socket " + socketId + " registered for LOB " + who.lobId()
                + (who.restrictedToContacts() ? " (the token's " + who.allowedContacts().size() + " contacts)" : "")
                + " on relay node " + context.settings().nodeId() + ".";
        int owned = context.partitions().ownedPartitions().size();
        int total = context.partitions().partitionCount();
        if (owned < total) {
            message += " Warning: this node serves " + owned + " of " + total + " partitions and socket.io sessions "
                    + "are not moved between nodes, so this socket receives only the notifications of those partitions. "
                    + "Run the relay with RELAY_MODE=broadcast (or a single node) for socket.io clients, or use the "
                    + "/v1/ws protocol (@notify-relay/client), which follows partitions across nodes.";
        }
        return message;
    }

    static String errorJson(String message) {
        return SocketIoPackets.JSON.createObjectNode().put("message", message).toString();
    }
}
