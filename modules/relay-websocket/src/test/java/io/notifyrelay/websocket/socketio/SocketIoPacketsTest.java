package io.notifyrelay.websocket.socketio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Socket.IO v5 / Engine.IO v4 text formats, as socket.io-client 4.x writes and reads them. */
class SocketIoPacketsTest {

    @Test
    void readsConnectWithAuthEventsWithAckIdsAndNamespaces() {
        SocketIoPackets.Packet connect = SocketIoPackets.parse("0{\"token\":\"abc\"}");
        assertEquals(SocketIoPackets.CONNECT, connect.type());
        assertEquals("/", connect.namespace());
        assertEquals("abc", connect.data().get("token").asText());

        SocketIoPackets.Packet bare = SocketIoPackets.parse("0");
        assertNull(bare.data());

        SocketIoPackets.Packet event = SocketIoPackets.parse("212[\"REGISTER_SOCKET\",{\"lob_id\":\"faber\"}]");
        assertEquals(SocketIoPackets.EVENT, event.type());
        assertEquals(12L, event.ackId());
        assertEquals("faber", event.data().get(1).get("lob_id").asText());

        SocketIoPackets.Packet admin = SocketIoPackets.parse("0/admin,{\"token\":\"x\"}");
        assertEquals("/admin", admin.namespace());
        assertEquals("x", admin.data().get("token").asText());
    }

    @Test
    void refusesWhatIsNotJson() {
        assertNull(SocketIoPackets.parse("2[\"REGISTER_SOCKET\","));
        assertNull(SocketIoPackets.parse(""));
    }

    @Test
    void writesEventsAroundTheNotificationBytesAsProduced() {
        byte[] notification = "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"c\"}}"
                .getBytes(StandardCharsets.UTF_8);
        assertEquals("42[\"notification\",{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"c\"}}]",
                new String(SocketIoPackets.event("notification", notification), StandardCharsets.UTF_8));
        assertEquals("437[{\"success\":true}]",
                new String(SocketIoPackets.ack(7, "{\"success\":true}".getBytes(StandardCharsets.UTF_8)),
                        StandardCharsets.UTF_8));
    }

    @Test
    void joinsPollingPayloadsWithTheRecordSeparator() {
        byte[] joined = SocketIoPackets.join(List.of("2".getBytes(StandardCharsets.UTF_8),
                "42[\"a\",1]".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals("2\u001e42[\"a\",1]".getBytes(StandardCharsets.UTF_8), joined);
    }
}
