package io.notifyrelay.core.schema;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.regex.JoniRegularExpressionFactory;
import io.notifyrelay.core.PayloadType;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The notification contract of {@code schemas/} as code: checks a notification (or a structured-mode
 * CloudEvent) and extracts what the relay routes on.
 *
 * <p>Schemas are read from the classpath copy of {@code schemas/} ({@code /notify-relay/schemas/}) and
 * compiled once; {@link #instance()} is thread-safe and meant to be shared.
 *
 * <p>The schemas alone decide validity, so a producer validating with any JSON Schema 2020-12 validator gets the
 * relay's verdict. This class adds only what JSON Schema cannot say: a document is exactly one JSON value without
 * duplicate member names (I-JSON). {@code payload.contactDetail} sent as a JSON string (a quirk of the spec) is
 * checked by the schema's pattern ({@code #/$defs/contactDetailString}); it is parsed here only to read the contactId.
 */
public final class NotificationSchema {

    /** Where the build puts the copy of {@code schemas/} (see relay-core's pom). */
    public static final String CLASSPATH_ROOT = "notify-relay/schemas/";
    /** Base of the schemas' {@code $id}s; mapped to {@link #CLASSPATH_ROOT} so nothing is fetched over the network. */
    public static final String ID_BASE = "https://notify-relay.io/schemas/";
    public static final String NOTIFICATION_SCHEMA_ID = ID_BASE + "notification.schema.json";
    public static final String STRUCTURED_SCHEMA_ID = ID_BASE + "cloudevent-structured.schema.json";

    private static final String CONTACT_DETAIL_POINTER = "/payload/contactDetail";
    private static final String CONTACT_DETAIL_STRING = "#/$defs/contactDetailString/pattern";

    // strict reading: a duplicated key (e.g. two contactIds) would let the relay and a front-end disagree
    // about whom a notification is for, and a second document after the first is not one notification
    private static final ObjectMapper STRICT_MAPPER = new ObjectMapper(
            JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    // contactDetail as a string has passed the schema's pattern: a flat object with exactly one contactId
    private static final ObjectMapper CONTACT_DETAIL_MAPPER = new ObjectMapper();

    private final JsonSchema notificationSchema;
    private final JsonSchema structuredSchema;

    private NotificationSchema() {
        JsonSchemaFactory factory = schemaFactory();
        SchemaValidatorsConfig config = validatorsConfig();
        notificationSchema = load(factory, config, NOTIFICATION_SCHEMA_ID);
        structuredSchema = load(factory, config, STRUCTURED_SCHEMA_ID);
    }

    /** The shared instance, compiled on first use. */
    public static NotificationSchema instance() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        private static final NotificationSchema INSTANCE = new NotificationSchema();
    }

    /**
     * A JSON Schema 2020-12 factory that resolves {@value #ID_BASE} against the classpath copy of
     * {@code schemas/}. Public so other modules' tests can check documents against the other schemas
     * there (e.g. the WebSocket frames).
     */
    public static JsonSchemaFactory schemaFactory() {
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(ID_BASE, "classpath:" + CLASSPATH_ROOT)));
    }

    /**
     * Reports locations as JSON Pointers; formats stay annotations (2020-12 default), see schemas/README.md.
     * Patterns are ECMA-262 regular expressions, as JSON Schema specifies and ajv runs them, matched by Joni: its
     * backtracking stack lives on the heap, where java.util.regex recurses once per repetition and throws
     * StackOverflowError on a contactDetail string of a few thousand members or escapes.
     */
    public static SchemaValidatorsConfig validatorsConfig() {
        return SchemaValidatorsConfig.builder().pathType(PathType.JSON_POINTER)
                .regularExpressionFactory(JoniRegularExpressionFactory.getInstance()).build();
    }

    private static JsonSchema load(JsonSchemaFactory factory, SchemaValidatorsConfig config, String id) {
        JsonSchema schema = factory.getSchema(SchemaLocation.of(id), config);
        // compile every keyword now: lazy compilation on first validate would race between threads
        schema.initializeValidators();
        return schema;
    }

    /** Checks a notification as it appears as a binary-mode record value. Never throws on bad input. */
    public NotificationValidation validate(byte[] json) {
        Objects.requireNonNull(json, "json");
        Parsed parsed = parse(json);
        if (parsed.error() != null) {
            return NotificationValidation.invalid(List.of(parsed.error()));
        }
        return validate(parsed.node());
    }

    /** Checks an already parsed notification. */
    public NotificationValidation validate(JsonNode notification) {
        Objects.requireNonNull(notification, "notification");
        List<ValidationError> errors = schemaErrors(notificationSchema, notification, "");
        if (!errors.isEmpty()) {
            return NotificationValidation.invalid(errors);
        }
        return extractRoutingFields(notification, "");
    }

    /** Checks a structured-mode CloudEvent (record value with content-type application/cloudevents+json). */
    public StructuredEventValidation validateStructured(byte[] json) {
        Objects.requireNonNull(json, "json");
        Parsed parsed = parse(json);
        if (parsed.error() != null) {
            return StructuredEventValidation.invalid(List.of(parsed.error()));
        }
        JsonNode envelope = parsed.node();
        List<ValidationError> errors = schemaErrors(structuredSchema, envelope, "");
        if (!errors.isEmpty()) {
            return StructuredEventValidation.invalid(errors);
        }
        JsonNode data = envelope.get("data");
        NotificationValidation notification = extractRoutingFields(data, "/data");
        if (!notification.isValid()) {
            return StructuredEventValidation.invalid(notification.errors());
        }
        return new StructuredEventValidation(List.of(), envelope.get("id").asText(), envelope.get("source").asText(),
                envelope.get("type").asText(), envelope.hasNonNull("time") ? envelope.get("time").asText() : null,
                envelope.get("lobid").asText(), notification.payloadType(), notification.contactId(), data);
    }

    /** Called only on a notification that passed the schema, so the members it reads exist with the right types. */
    private NotificationValidation extractRoutingFields(JsonNode notification, String pointerPrefix) {
        PayloadType payloadType = PayloadType.fromName(notification.get("payloadType").asText())
                .orElseThrow(() -> new IllegalStateException("schema and PayloadType disagree on payloadType "
                        + notification.get("payloadType")));
        JsonNode payload = notification.get("payload");
        if (payloadType == PayloadType.CONNECTION_RESPONSE) {
            return NotificationValidation.valid(payloadType, payload.get("contactId").asText());
        }
        JsonNode contactDetail = payload.get("contactDetail");
        if (contactDetail.isObject()) {
            return NotificationValidation.valid(payloadType, contactDetail.get("contactId").asText());
        }
        // contactDetail is a JSON string the schema's pattern accepted: read the contactId out of it
        try {
            JsonNode contact = CONTACT_DETAIL_MAPPER.readTree(contactDetail.asText());
            return NotificationValidation.valid(payloadType, contact.get("contactId").asText());
        } catch (JsonProcessingException | RuntimeException e) {
            // unreachable while the pattern is right; never throw on a record all the same
            return NotificationValidation.invalid(List.of(new ValidationError(pointerPrefix + CONTACT_DETAIL_POINTER,
                    "matches the schema's contactDetailString pattern but cannot be read as a contact: " + e)));
        }
    }

    private static List<ValidationError> schemaErrors(JsonSchema schema, JsonNode node, String pointerPrefix) {
        Set<ValidationMessage> messages = schema.validate(node);
        // nested if/then branches can report the same problem twice
        Set<ValidationError> errors = new LinkedHashSet<>();
        for (ValidationMessage message : messages) {
            String pointer = message.getInstanceLocation() == null ? "" : message.getInstanceLocation().toString();
            errors.add(new ValidationError(pointerPrefix + pointer, describe(message)));
        }
        return List.copyOf(errors);
    }

    /** networknt's wording, with the offending value added where it helps a producer find the mistake. */
    private static String describe(ValidationMessage message) {
        Object[] arguments = message.getArguments();
        JsonNode value = message.getInstanceNode();
        switch (message.getType()) {
            case "pattern":
                if (arguments != null && arguments.length > 0 && "\\S".equals(String.valueOf(arguments[0]))) {
                    return "must not be blank";
                }
                if (String.valueOf(message.getSchemaLocation()).endsWith(CONTACT_DETAIL_STRING)) {
                    return "is a string, so it must hold the contact as one flat JSON object with a non-blank "
                            + "contactId (and string or null givenName, email, phone, logo, state, createdAt, updatedAt)";
                }
                break;
            case "enum":
                if (value != null && arguments != null && arguments.length > 0) {
                    return abbreviate(value.toString()) + " is not one of " + arguments[0];
                }
                break;
            case "const":
                if (value != null) {
                    return abbreviate(value.toString()) + " " + message.getError();
                }
                break;
            default:
                break;
        }
        return message.getError();
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "…";
    }

    private record Parsed(JsonNode node, ValidationError error) {
    }

    private static Parsed parse(byte[] json) {
        try {
            JsonNode node = STRICT_MAPPER.readTree(json);
            if (node == null || node.isMissingNode()) {
                return new Parsed(null, new ValidationError("", "empty document: expected a JSON object"));
            }
            return new Parsed(node, null);
        } catch (JsonProcessingException e) {
            String where = Optional.ofNullable(e.getLocation())
                    .map(l -> " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")").orElse("");
            String problem = e.getOriginalMessage().startsWith("Trailing token")
                    ? "more content follows the first JSON value; send exactly one object"
                    : e.getOriginalMessage();
            return new Parsed(null, new ValidationError("", "not valid JSON: " + problem + where));
        } catch (IOException e) {
            return new Parsed(null, new ValidationError("", "not readable: " + e.getMessage()));
        }
    }
}
