package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads deploy/kubernetes as kustomize renders it, for the parts the tests check: the base's resources, and the
 * overlay's container env (kustomize's strategic merge puts the patch's entries first, in the patch's order, then
 * the base's other entries; checked by hand with kubectl kustomize 1.32). No kubectl needed.
 */
final class KubernetesManifests {

    static final Path DIR = Path.of("..", "..", "deploy", "kubernetes");
    static final Path BASE = DIR.resolve("base");
    static final Path OWNER_ROUTING = DIR.resolve("overlays").resolve("owner-routing");
    /** Stand-ins for what the kubelet fills in (fieldRef) and what the operator's Secret holds (secretKeyRef). */
    static final String POD_IP = "10.1.2.3";
    static final String POD_NAME = "notify-relay-5d8f7b9c4-x2x7q";
    static final String SECRET = "a-secret-of-at-least-32-bytes-for-hs256";

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private KubernetesManifests() {
    }

    static JsonNode read(Path file) {
        try {
            return YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The base resource of this kind, from the files its kustomization lists. */
    static JsonNode baseResource(String kind) {
        for (JsonNode resource : read(BASE.resolve("kustomization.yaml")).path("resources")) {
            JsonNode document = read(BASE.resolve(resource.asText()));
            if (kind.equals(document.path("kind").asText())) {
                return document;
            }
        }
        throw new AssertionError("no " + kind + " in " + BASE);
    }

    static JsonNode relayContainer(JsonNode deployment) {
        for (JsonNode container : deployment.path("spec").path("template").path("spec").path("containers")) {
            if ("relay".equals(container.path("name").asText())) {
                return container;
            }
        }
        throw new AssertionError("no container named relay");
    }

    static List<JsonNode> baseEnv() {
        List<JsonNode> env = new ArrayList<>();
        relayContainer(baseResource("Deployment")).path("env").forEach(env::add);
        return env;
    }

    /** The overlay's env as kustomize renders it: the patch's entries, then the base's others. */
    static List<JsonNode> ownerRoutingEnv() {
        List<JsonNode> env = new ArrayList<>();
        relayContainer(read(OWNER_ROUTING.resolve("deployment-patch.yaml"))).path("env").forEach(env::add);
        List<String> patched = env.stream().map(e -> e.path("name").asText()).toList();
        baseEnv().stream().filter(e -> !patched.contains(e.path("name").asText())).forEach(env::add);
        return env;
    }

    /**
     * The environment the container gets, in order: fieldRef and secretKeyRef replaced by stand-ins, and
     * {@code $(NAME)} expanded as Kubernetes does, from earlier entries only (a reference to a later or unknown
     * variable fails here, where Kubernetes would pass it on unexpanded).
     */
    static Map<String, String> resolve(List<JsonNode> env) {
        Map<String, String> resolved = new LinkedHashMap<>();
        for (JsonNode entry : env) {
            String name = entry.path("name").asText();
            String value;
            if (entry.has("value")) {
                value = expand(name, entry.path("value").asText(), resolved);
            } else if (entry.path("valueFrom").has("fieldRef")) {
                String field = entry.path("valueFrom").path("fieldRef").path("fieldPath").asText();
                value = switch (field) {
                    case "status.podIP" -> POD_IP;
                    case "metadata.name" -> POD_NAME;
                    default -> throw new AssertionError(name + ": unexpected fieldRef " + field);
                };
            } else if (entry.path("valueFrom").has("secretKeyRef")) {
                value = SECRET;
            } else {
                throw new AssertionError(name + " has neither value nor a known valueFrom: " + entry);
            }
            if (resolved.put(name, value) != null) {
                throw new AssertionError(name + " is set twice");
            }
        }
        return resolved;
    }

    private static String expand(String name, String value, Map<String, String> earlier) {
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String referenced = earlier.get(m.group(1));
            if (referenced == null) {
                throw new AssertionError(name + " refers to $(" + m.group(1) + "), which is not defined before it");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(referenced));
        }
        return m.appendTail(out).toString();
    }

    /** The names other entries refer to with $(NAME): helpers of the manifest, not relay settings. */
    static List<String> referencedNames(List<JsonNode> env) {
        List<String> names = new ArrayList<>();
        for (JsonNode entry : env) {
            Matcher m = REFERENCE.matcher(entry.path("value").asText());
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    static JsonNode probe(String name) {
        return relayContainer(baseResource("Deployment")).path(name);
    }
}
