package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Notifications built for a given contact, in the seed's shapes. */
final class Notifications {

    static final ObjectMapper JSON = new ObjectMapper();

    private Notifications() {
    }

    static String connection(String contactId, String state) {
        return "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contactId
                + "\",\"state\":\"" + state + "\",\"message\":\"test " + state + "\"}}";
    }

    static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The contact a notification is about, wherever the seed's shape puts it. */
    static String contactIdOf(String json) {
        JsonNode payload = tree(json).path("payload");
        if (payload.hasNonNull("contactId")) {
            return payload.get("contactId").asText();
        }
        JsonNode detail = payload.path("contactDetail");
        if (detail.isTextual()) {
            detail = tree(detail.asText());
        }
        return detail.path("contactId").asText();
    }
}
