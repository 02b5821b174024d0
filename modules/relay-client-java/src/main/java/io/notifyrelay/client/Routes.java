package io.notifyrelay.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One answer of {@code GET /v1/routes}: which node serves which partition.
 *
 * @param node   the WebSocket URL of the node that answered
 * @param owners owner WebSocket URL per partition; null while the group has no owner for it yet;
 *               {@value #ANY} in broadcast mode (every node serves every partition)
 */
record Routes(String topic, int partitionCount, String partitioner, String mode, String node,
              Map<Integer, String> owners) {

    static final String ANY = "any";

    Routes {
        owners = Collections.unmodifiableMap(new TreeMap<>(owners));
    }

    static Routes parse(JsonNode body) {
        if (body == null || !body.isObject() || !body.path("partitionCount").canConvertToInt()) {
            throw new IllegalArgumentException("not a routes document: " + abbreviate(String.valueOf(body)));
        }
        Map<Integer, String> owners = new TreeMap<>();
        for (JsonNode entry : body.path("partitions")) {
            JsonNode owner = entry.get("owner");
            owners.put(entry.path("partition").asInt(), owner == null || owner.isNull() ? null : owner.asText());
        }
        int count = body.path("partitionCount").asInt();
        for (int partition = 0; partition < count; partition++) {
            owners.putIfAbsent(partition, null);
        }
        return new Routes(body.path("topic").asText(null), count, body.path("partitioner").asText(null),
                body.path("mode").asText("group").toLowerCase(Locale.ROOT), body.path("node").asText(null), owners);
    }

    boolean broadcast() {
        // "anywhere" is the relay's default mode, "broadcast" its old name: any node serves everything
        return "anywhere".equals(mode) || "broadcast".equals(mode) || owners.values().stream().anyMatch(ANY::equals);
    }

    /** The distinct owners, in partition order; neither unknown owners nor {@value #ANY}. */
    Set<String> ownerUrls() {
        Set<String> urls = new LinkedHashSet<>();
        owners.values().forEach(url -> {
            if (url != null && !ANY.equals(url)) {
                urls.add(url);
            }
        });
        return urls;
    }

    Set<Integer> partitionsOf(String url) {
        Set<Integer> partitions = new TreeSet<>();
        owners.forEach((partition, owner) -> {
            if (url.equals(owner)) {
                partitions.add(partition);
            }
        });
        return partitions;
    }

    /** True when every partition has a known owner. */
    boolean complete() {
        return owners.size() == partitionCount && owners.values().stream().allMatch(owner -> owner != null);
    }

    String ownerOf(int partition) {
        return owners.get(partition);
    }

    /** {@code ws://h:p/v1/ws} for any seed form: a ws(s) URL with or without path, or an http(s) base URL. */
    static String webSocketUrl(String seed) {
        URI uri = URI.create(seed.trim());
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String wsScheme = switch (scheme) {
            case "ws", "http" -> "ws";
            case "wss", "https" -> "wss";
            default -> throw new IllegalArgumentException("relay URL must be ws, wss, http or https: " + seed);
        };
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("relay URL has no host: " + seed);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!path.endsWith("/v1/ws")) {
            path = (path.endsWith("/") ? path.substring(0, path.length() - 1) : path) + "/v1/ws";
        }
        return wsScheme + "://" + uri.getRawAuthority() + path;
    }

    /** The HTTP base of a node from its WebSocket URL: ws→http, wss→https, without {@code /v1/ws}. */
    static String httpBase(String webSocketUrl) {
        URI uri = URI.create(webSocketUrl);
        String scheme = "wss".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())
                ? "https" : "http";
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (path.endsWith("/v1/ws")) {
            path = path.substring(0, path.length() - "/v1/ws".length());
        }
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return scheme + "://" + uri.getRawAuthority() + path;
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
