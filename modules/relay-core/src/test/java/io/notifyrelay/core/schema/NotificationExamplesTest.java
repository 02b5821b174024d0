package io.notifyrelay.core.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.SchemaLocation;
import io.notifyrelay.core.PayloadType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every file in schemas/examples is a test case: adding an example adds a test. */
class NotificationExamplesTest {

    private final NotificationSchema schema = NotificationSchema.instance();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static Stream<Path> validExamples() {
        return SchemaFiles.examples("valid").stream();
    }

    static Stream<Path> invalidExamples() {
        return SchemaFiles.examples("invalid").stream();
    }

    static Stream<Path> validStructuredExamples() {
        return SchemaFiles.examples("valid-structured").stream();
    }

    static Stream<Path> invalidStructuredExamples() {
        return SchemaFiles.examples("invalid-structured").stream();
    }

    @ParameterizedTest(name = "valid/{0}")
    @MethodSource("validExamples")
    void validExampleIsAcceptedWithItsTypeAndContact(Path file) {
        byte[] json = SchemaFiles.read(file);

        NotificationValidation result = schema.validate(json);

        assertTrue(result.isValid(), () -> file.getFileName() + " should be valid but:\n" + result.describeErrors());
        // example names start with the payload type they show: connection-, issuance-, verification-
        String prefix = SchemaFiles.nameOf(file).split("-")[0].toUpperCase(Locale.ROOT);
        assertEquals(PayloadType.valueOf(prefix + "_RESPONSE"), result.payloadType());
        assertNotNull(result.contactId());
        assertTrue(new String(json, StandardCharsets.UTF_8).contains(result.contactId()),
                "the extracted contactId must come from the document");
    }

    @ParameterizedTest(name = "invalid/{0}")
    @MethodSource("invalidExamples")
    void invalidExampleIsRejectedWithReasons(Path file) {
        NotificationValidation result = schema.validate(SchemaFiles.read(file));

        assertFalse(result.isValid(), () -> file.getFileName() + " should be invalid");
        assertFalse(result.errors().isEmpty());
        assertNull(result.payloadType());
        assertNull(result.contactId());
        result.errors().forEach(error -> assertFalse(error.message().isBlank()));
        assertRejectedByTheSchemaAloneOrUnreadable(NotificationSchema.NOTIFICATION_SCHEMA_ID, file, result.errors());
    }

    @ParameterizedTest(name = "valid-structured/{0}")
    @MethodSource("validStructuredExamples")
    void validStructuredExampleIsAccepted(Path file) {
        StructuredEventValidation result = schema.validateStructured(SchemaFiles.read(file));

        assertTrue(result.isValid(), () -> file.getFileName() + " should be valid but:\n" + result.describeErrors());
        assertEquals(result.payloadType().cloudEventType(), result.type());
        assertNotNull(result.lobId());
        assertNotNull(result.contactId());
    }

    @ParameterizedTest(name = "invalid-structured/{0}")
    @MethodSource("invalidStructuredExamples")
    void invalidStructuredExampleIsRejected(Path file) {
        StructuredEventValidation result = schema.validateStructured(SchemaFiles.read(file));

        assertFalse(result.isValid(), () -> file.getFileName() + " should be invalid");
        assertNull(result.lobId());
        assertRejectedByTheSchemaAloneOrUnreadable(NotificationSchema.STRUCTURED_SCHEMA_ID, file, result.errors());
    }

    /**
     * The published schemas alone decide (so ajv and any other 2020-12 validator agree with the relay, see
     * relay-client-js test/schemas.test.js): an invalid example is either not one JSON document without duplicate
     * names, which the relay reports at pointer "" before any schema, or the bare schema rejects it too.
     */
    private static void assertRejectedByTheSchemaAloneOrUnreadable(String schemaId, Path file, List<ValidationError> errors) {
        boolean unreadable = errors.size() == 1 && errors.get(0).pointer().isEmpty()
                && errors.get(0).message().matches("(not valid JSON|empty document).*");
        if (unreadable) {
            return;
        }
        JsonSchema bare = NotificationSchema.schemaFactory()
                .getSchema(SchemaLocation.of(schemaId), NotificationSchema.validatorsConfig());
        try {
            assertFalse(bare.validate(MAPPER.readTree(SchemaFiles.read(file))).isEmpty(),
                    () -> file.getFileName() + ": only NotificationSchema rejects it, the schema " + schemaId + " accepts it");
        } catch (IOException e) {
            throw new AssertionError(file.getFileName() + " reads as JSON for NotificationSchema but not here", e);
        }
    }
}
