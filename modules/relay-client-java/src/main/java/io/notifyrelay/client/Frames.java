package io.notifyrelay.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/** Reading the fields of the relay's JSON frames leniently: a missing or mistyped field reads as absent. */
final class Frames {

    static final ObjectMapper JSON = new ObjectMapper();

    private Frames() {
    }

    static String text(JsonNode frame, String field) {
        JsonNode value = frame.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    static Set<Integer> ints(JsonNode array) {
        Set<Integer> result = new TreeSet<>();
        array.forEach(item -> {
            if (item.canConvertToInt()) {
                result.add(item.asInt());
            }
        });
        return result;
    }

    static Set<String> strings(JsonNode array) {
        Set<String> result = new LinkedHashSet<>();
        array.forEach(item -> {
            if (item.isTextual()) {
                result.add(item.asText());
            }
        });
        return result;
    }
}
