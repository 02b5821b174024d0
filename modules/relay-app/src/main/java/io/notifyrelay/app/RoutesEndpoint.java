package io.notifyrelay.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.notifyrelay.websocket.HttpEndpoint;
import java.util.Map;

/**
 * {@code GET /v1/routes}: which node serves which partition, so clients (and people) can find the node
 * for a contact; {@code ?contactId=…} answers for one contact.
 */
final class RoutesEndpoint {

    /** The owner in anywhere mode: every node serves every partition. */
    static final String ANY = "any";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RoutesEndpoint() {
    }

    static HttpEndpoint.Response respond(Map<String, String> query, NodeState node) {
        if (node.sendsClientsElsewhere()) {
            // its route table is as old as its last answer from Kafka: clients must ask a node that is served
            return HttpEndpoint.Response.json(503, "{\"error\":\"this node cannot reach Kafka; ask another node\"}");
        }
        Map<Integer, String> owners = node.owners();
        ObjectNode body = JSON.createObjectNode();
        body.put("topic", node.topic().name());
        body.put("partitionCount", node.partitionCount());
        body.put("partitioner", node.partitioner().name());
        body.put("mode", node.mode().wireName());
        body.put("node", node.webSocketUrl());
        String contactId = query.get("contactId");
        if (contactId != null) {
            if (contactId.isBlank()) {
                return HttpEndpoint.Response.json(400, "{\"error\":\"contactId must not be empty\"}");
            }
            int partition = node.partitioner().partitionOf(contactId, node.partitionCount());
            body.put("contactId", contactId);
            body.put("partition", partition);
            putOwner(body, owners.get(partition));
            return HttpEndpoint.Response.json(200, body.toString());
        }
        ArrayNode partitions = body.putArray("partitions");
        owners.forEach((partition, owner) -> putOwner(partitions.addObject().put("partition", partition), owner));
        return HttpEndpoint.Response.json(200, body.toString());
    }

    private static void putOwner(ObjectNode node, String owner) {
        if (owner == null) {
            node.putNull("owner");
        } else {
            node.put("owner", owner);
        }
    }

}
