package io.notifyrelay.dev;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.websocket.HttpEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The demo page, DEV MODE ONLY: {@code /demo/} (the page), {@code /demo/client/index.js} and the modules it
 * imports (the JavaScript client, copied from modules/relay-client-js at build time), and two actions, POST
 * only, without CORS and refused to other origins: {@code /demo/token} (mints a token for a LOB, optionally limited to contacts) and
 * {@code /demo/publish} (publishes a sample notification). Never served by {@code io.notifyrelay.app.Main}: only
 * {@link DevMain} adds these endpoints.
 */
final class DemoEndpoints {

    /** What dev mode serves: the page (GET) and the actions (POST). */
    record Served(Map<String, HttpEndpoint> pages, Map<String, HttpEndpoint> actions) {
    }

    static final String PAGE_PATH = "/demo/";
    private static final String RESOURCES = "notify-relay/demo/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(1);

    private final String secret;
    private final boolean actionsOn;
    private final String bootstrapServers;
    private final String topic;
    private NotifyPublisher publisher;

    private DemoEndpoints(String secret, boolean actionsOn, String bootstrapServers, String topic) {
        this.secret = secret;
        this.actionsOn = actionsOn;
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
    }

    /**
     * @param actionsOn whether {@code /demo/token} signs tokens and {@code /demo/publish} publishes; off when the
     *                  secret is a real one (RELAY_JWT_SECRET set) unless RELAY_DEMO_ACTIONS=true, so a dev relay
     *                  pointed at a real deployment neither hands out tokens nor publishes for whoever reaches it
     */
    static Served create(String secret, boolean actionsOn, String bootstrapServers, String topic) {
        DemoEndpoints demo = new DemoEndpoints(secret, actionsOn, bootstrapServers, topic);
        byte[] page = resource("index.html");

        Map<String, HttpEndpoint> endpoints = new LinkedHashMap<>();
        HttpEndpoint pageEndpoint = query -> new HttpEndpoint.Response(200, "text/html; charset=utf-8", page);
        endpoints.put("/demo", pageEndpoint);
        endpoints.put(PAGE_PATH, pageEndpoint);
        endpoints.put("/demo/index.html", pageEndpoint);
        clientModules().forEach((module, code) -> endpoints.put("/demo/client/" + module,
                query -> new HttpEndpoint.Response(200, "text/javascript; charset=utf-8", code)));
        Map<String, HttpEndpoint> actions = new LinkedHashMap<>();
        actions.put("/demo/token", demo::token);
        actions.put("/demo/publish", demo::publish);
        Runtime.getRuntime().addShutdownHook(new Thread(demo::closePublisher, "demo-publisher-close"));
        return new Served(endpoints, actions);
    }

    private static HttpEndpoint.Response actionsOff(String path) {
        return error(403, "this dev relay uses a secret from RELAY_JWT_SECRET, so " + path + " is off (set "
                + "RELAY_DEMO_ACTIONS=true to allow it); paste a token into the page and publish with ./scripts/publish");
    }

    private HttpEndpoint.Response token(Map<String, String> query) {
        if (!actionsOn) {
            return actionsOff("/demo/token");
        }
        String lob = query.get("lob");
        if (lob == null || lob.isBlank()) {
            return error(400, "give ?lob=<LOB id>");
        }
        TestTokens.TokenSpec spec = TestTokens.hs256(secret).lob(lob.trim()).expiresIn(lifetime(query.get("ttlSeconds")));
        List<String> contacts = csv(query.get("contacts"));
        if (!contacts.isEmpty()) {
            spec = spec.contacts(contacts);
        }
        ObjectNode body = JSON.createObjectNode().put("token", spec.sign()).put("lob", lob.trim());
        if (!contacts.isEmpty()) {
            contacts.forEach(body.putArray("contacts")::add);
        }
        return HttpEndpoint.Response.json(200, body.toString());
    }

    private static Duration lifetime(String ttlSeconds) {
        if (ttlSeconds == null) {
            return DEFAULT_TOKEN_LIFETIME;
        }
        try {
            return Duration.ofSeconds(Math.max(10, Math.min(43_200, Long.parseLong(ttlSeconds.trim()))));
        } catch (NumberFormatException e) {
            return DEFAULT_TOKEN_LIFETIME;
        }
    }

    /** {@code /demo/publish?lob=&type=CONNECTION_RESPONSE|ISSUANCE_RESPONSE|VERIFICATION_RESPONSE[&contact=]}. */
    private HttpEndpoint.Response publish(Map<String, String> query) {
        if (!actionsOn) {
            return actionsOff("/demo/publish");
        }
        String lob = query.get("lob");
        if (lob == null || lob.isBlank()) {
            return error(400, "give ?lob=<LOB id>");
        }
        String contact = query.get("contact");
        if (contact == null || contact.isBlank()) {
            contact = UUID.randomUUID().toString();
        }
        String type = query.getOrDefault("type", "CONNECTION_RESPONSE");
        String notification;
        try {
            notification = sample(type, contact.trim());
        } catch (IllegalArgumentException e) {
            return error(400, e.getMessage());
        }
        try {
            PublishResult result = publisher().publish(lob.trim(), contact.trim(), notification);
            ObjectNode body = JSON.createObjectNode().put("eventId", result.eventId()).put("partition", result.partition())
                    .put("offset", result.offset()).put("contactId", contact.trim());
            body.set("notification", JSON.readTree(notification));
            return HttpEndpoint.Response.json(200, body.toString());
        } catch (RuntimeException | IOException e) {
            return error(500, "publish failed: " + e.getMessage());
        }
    }

    private synchronized NotifyPublisher publisher() {
        if (publisher == null) {
            publisher = NotifyPublisher.builder().bootstrapServers(bootstrapServers).topic(topic).build();
        }
        return publisher;
    }

    private synchronized void closePublisher() {
        if (publisher != null) {
            publisher.close();
            publisher = null;
        }
    }

    /** A valid notification of the given type for the contact, in a random state of that type. */
    static String sample(String type, String contactId) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        ObjectNode notification = JSON.createObjectNode().put("payloadType", type);
        ObjectNode payload = notification.putObject("payload");
        switch (type) {
            case "CONNECTION_RESPONSE" -> {
                String[] states = {"accepted-invitation", "declined-invitation", "received-invitation"};
                String state = states[random.nextInt(states.length)];
                payload.put("contactId", contactId).put("state", state).put("message", switch (state) {
                    case "accepted-invitation" -> "You are now connected to Alice";
                    case "declined-invitation" -> "Alice has declined your connection invitation";
                    default -> "You have received an invitation from Faber";
                });
            }
            case "ISSUANCE_RESPONSE" -> {
                String[] states = {"credential-issued", "credential-accepted", "stored-in-wallet", "offer-received",
                        "credential-revoked", "done"};
                payload.put("credOfferId", "demo-offer-" + random.nextInt(100_000))
                        .put("credentialStatus", states[random.nextInt(states.length)]);
                contactDetail(payload, contactId);
                payload.put("ledgerName", "bcCovrinTest");
            }
            case "VERIFICATION_RESPONSE" -> {
                String[] states = {"request-sent", "generated", "proof-received", "success", "revoked"};
                String state = states[random.nextInt(states.length)];
                payload.put("credProofId", "demo-proof-" + random.nextInt(100_000)).put("proofRequestStatus", state);
                contactDetail(payload, contactId);
                notification.put("verified", "success".equals(state) ? "true" : "revoked".equals(state) ? "false" : "null");
            }
            default -> throw new IllegalArgumentException("type must be one of CONNECTION_RESPONSE, ISSUANCE_RESPONSE, "
                    + "VERIFICATION_RESPONSE");
        }
        return notification.toString();
    }

    private static void contactDetail(ObjectNode payload, String contactId) {
        String now = Instant.now().toString();
        payload.putObject("contactDetail").put("contactId", contactId).put("givenName", "Alice Agent").putNull("email")
                .putNull("phone").putNull("logo").put("state", "active").put("createdAt", now).put("updatedAt", now);
    }

    private static List<String> csv(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
    }

    private static HttpEndpoint.Response error(int status, String message) {
        return HttpEndpoint.Response.json(status, JSON.createObjectNode().put("error", message).toString());
    }

    /** The JavaScript client's ES modules: index.js and what it imports, transitively, by file name. */
    private static Map<String, byte[]> clientModules() {
        Map<String, byte[]> modules = new LinkedHashMap<>();
        Deque<String> toRead = new ArrayDeque<>(List.of("index.js"));
        Pattern relativeImport = Pattern.compile("from '\\./([\\w-]+\\.js)'");
        while (!toRead.isEmpty()) {
            String module = toRead.pop();
            if (!modules.containsKey(module)) {
                byte[] code = resource("client/" + module);
                modules.put(module, code);
                relativeImport.matcher(new String(code, StandardCharsets.UTF_8)).results()
                        .forEach(match -> toRead.push(match.group(1)));
            }
        }
        return modules;
    }

    private static byte[] resource(String name) {
        try (InputStream in = DemoEndpoints.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("demo resource " + RESOURCES + name + " missing from the relay-dev jar "
                        + "(the client's modules are copied from modules/relay-client-js/src by the build)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
