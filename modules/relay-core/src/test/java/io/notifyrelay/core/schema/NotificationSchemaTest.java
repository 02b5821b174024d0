package io.notifyrelay.core.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.notifyrelay.core.PayloadType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class NotificationSchemaTest {

    private static final String FABER_SIDE_CONTACT = "843adb07-c0f3-4ad2-b08a-7680fe7eed8f";
    private static final String ISSUER_SIDE_CONTACT = "56d501ce-2bec-4433-89a1-93b7ee820987";

    private final NotificationSchema schema = NotificationSchema.instance();

    private static byte[] example(String folder, String name) {
        return SchemaFiles.read(SchemaFiles.SCHEMAS_DIR.resolve("examples").resolve(folder).resolve(name + ".json"));
    }

    private static byte[] utf8(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void instanceIsBuiltOnceAndShared() {
        assertSame(NotificationSchema.instance(), NotificationSchema.instance());
    }

    @Test
    void connectionContactIdComesFromThePayload() {
        NotificationValidation result = schema.validate(example("valid", "connection-accepted"));

        assertEquals(NotificationValidation.valid(PayloadType.CONNECTION_RESPONSE, FABER_SIDE_CONTACT), result);
    }

    @Test
    void contactDetailGivenAsJsonStringIsParsedForTheContactId() {
        NotificationValidation result = schema.validate(example("valid", "issuance-stored-in-wallet"));

        assertEquals(NotificationValidation.valid(PayloadType.ISSUANCE_RESPONSE, ISSUER_SIDE_CONTACT), result);
    }

    @Test
    void holderVerificationWithIssuanceFieldNamesIsAccepted() {
        NotificationValidation result = schema.validate(example("valid", "verification-presentation-requested"));

        assertEquals(NotificationValidation.valid(PayloadType.VERIFICATION_RESPONSE, ISSUER_SIDE_CONTACT), result);
    }

    @Test
    void verifiedMayBeAStringABooleanOrNull() {
        for (String verified : List.of("\"true\"", "\"false\"", "\"null\"", "true", "false", "null")) {
            String json = """
                    {"payloadType":"VERIFICATION_RESPONSE",
                     "payload":{"credProofId":"p1","proofRequestStatus":"success","contactDetail":{"contactId":"c1"}},
                     "verified":%s}""".formatted(verified);
            assertTrue(schema.validate(utf8(json)).isValid(), "verified=" + verified);
        }
    }

    @Test
    void missingContactIdIsReportedAtThePayload() {
        NotificationValidation result = schema.validate(example("invalid", "connection-contact-id-missing"));

        assertEquals(List.of(new ValidationError("/payload", "required property 'contactId' not found")),
                result.errors());
    }

    @Test
    void unknownStateNamesTheValueAndTheAllowedStates() {
        NotificationValidation result = schema.validate(example("invalid", "connection-state-unknown"));

        assertEquals(1, result.errors().size(), result::describeErrors);
        ValidationError error = result.errors().get(0);
        assertEquals("/payload/state", error.pointer());
        assertTrue(error.message().contains("\"invitation-exploded\""), error.message());
        assertTrue(error.message().contains("accepted-invitation"), error.message());
    }

    @Test
    void everyProblemIsReportedNotJustTheFirst() {
        String json = """
                {"payloadType":"CONNECTION_RESPONSE","payload":{"contactId":"  ","state":"nope"},"verified":"maybe"}""";

        NotificationValidation result = schema.validate(utf8(json));

        Map<String, String> byPointer = result.errors().stream()
                .collect(Collectors.toMap(ValidationError::pointer, ValidationError::message));
        assertEquals("must not be blank", byPointer.get("/payload/contactId"));
        assertTrue(byPointer.containsKey("/payload/state"), result::describeErrors);
        assertTrue(byPointer.containsKey("/verified"), result::describeErrors);
        assertEquals(3, result.errors().size(), result::describeErrors);
        assertEquals(3, result.describeErrors().lines().count());
    }

    @Test
    void seedExampleWithMissingCommaIsRejectedWithItsPosition() {
        NotificationValidation result = schema.validate(example("invalid", "seed-verification-request-sent-missing-comma"));

        ValidationError error = result.errors().get(0);
        assertEquals("", error.pointer());
        assertTrue(error.message().startsWith("not valid JSON"), error.message());
        assertTrue(error.message().contains("line 18"), error.message());
    }

    @Test
    void contactDetailStringWithoutContactIdIsReportedInsideTheString() {
        NotificationValidation result = schema.validate(example("invalid", "issuance-contact-detail-string-contact-id-missing"));

        assertEquals(List.of(new ValidationError("/payload/contactDetail", "is a string, so it must hold the contact as "
                + "one flat JSON object with a non-blank contactId (and string or null givenName, email, phone, logo, "
                + "state, createdAt, updatedAt)")), result.errors());
    }

    @Test
    void hostileContactDetailStringsAreJudgedOnASmallStack() throws Exception {
        // java.util.regex recursed once per repetition and overflowed a 1 MB stack at ~300 members: one such
        // record would have killed the consumer thread in strict mode. 256 KB is a quarter of a thread's default.
        Map<String, Boolean> expected = new java.util.LinkedHashMap<>();
        expected.put("{" + "\"a\":1,".repeat(20_000) + "\"contactId\":\"c\"}", true);
        expected.put("{" + "\"a\":1,".repeat(20_000) + "\"b\":2}", false);
        expected.put("{\"contactId\":\"" + "\\/".repeat(40_000) + "\"}", true);
        expected.put("{\"contactId\":\"" + " ".repeat(100_000) + "\"}", false);
        expected.put("{\"contactId\":\"c\",\"logo\":\"data:image/png;base64," + "A".repeat(150_000) + "\"}", true);
        Map<String, Boolean> actual = new java.util.LinkedHashMap<>();
        Throwable[] failure = new Throwable[1];
        Thread thread = new Thread(null, () -> {
            try {
                for (String contact : expected.keySet()) {
                    String json = "{\"payloadType\":\"ISSUANCE_RESPONSE\",\"payload\":{\"credOfferId\":\"o\","
                            + "\"credentialStatus\":\"done\",\"contactDetail\":" + new ObjectMapper().writeValueAsString(contact) + "}}";
                    actual.put(contact, schema.validate(utf8(json)).isValid());
                }
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "small-stack", 256 * 1024);
        thread.start();
        thread.join();
        if (failure[0] != null) {
            throw new AssertionError("validation threw", failure[0]);
        }
        assertEquals(expected.values().stream().toList(), actual.values().stream().toList());
    }

    @Test
    void contactDetailStringThatIsNotJsonIsRejected() {
        NotificationValidation result = schema.validate(example("invalid", "issuance-contact-detail-string-not-json"));

        assertEquals("/payload/contactDetail", result.errors().get(0).pointer());
        assertTrue(result.errors().get(0).message().contains("must hold the contact as one flat JSON object"),
                result::describeErrors);
    }

    @Test
    void duplicateKeysAndTrailingDocumentsAreRejected() {
        assertFalse(schema.validate(example("invalid", "duplicate-member-contact-id")).isValid());
        NotificationValidation trailing = schema.validate(example("invalid", "trailing-second-document"));
        assertTrue(trailing.errors().get(0).message().contains("more content follows"), trailing::describeErrors);
    }

    @Test
    void unknownMembersAreAllowedForForwardCompatibility() {
        assertTrue(schema.validate(example("valid", "connection-with-unknown-members")).isValid());
    }

    @Test
    void parsedNotificationCanBeValidatedDirectly() throws Exception {
        var node = new ObjectMapper().readTree(example("valid", "verification-contact-detail-as-string"));

        assertEquals(NotificationValidation.valid(PayloadType.VERIFICATION_RESPONSE, FABER_SIDE_CONTACT),
                schema.validate(node));
    }

    @Test
    void structuredEnvelopeExposesItsAttributesAndData() {
        StructuredEventValidation result = schema.validateStructured(example("valid-structured", "connection-accepted"));

        assertTrue(result.isValid(), result::describeErrors);
        assertEquals("3f6c2a4e-8f0b-4f54-9a3e-0a4c6f9f1d2b", result.id());
        assertEquals("urn:notify-api", result.source());
        assertEquals("notify.connection-response", result.type());
        assertEquals("2025-04-02T13:21:33.000Z", result.time());
        assertEquals("lob-faber", result.lobId());
        assertEquals(PayloadType.CONNECTION_RESPONSE, result.payloadType());
        assertEquals(FABER_SIDE_CONTACT, result.contactId());
        assertEquals("accepted-invitation", result.data().path("payload").path("state").asText());
    }

    @Test
    void structuredEnvelopeWithoutTimeIsValidAndTimeIsNull() {
        StructuredEventValidation result =
                schema.validateStructured(example("valid-structured", "verification-success-minimal-attributes"));

        assertTrue(result.isValid(), result::describeErrors);
        assertEquals(null, result.time());
    }

    @Test
    void structuredDataErrorsPointIntoData() {
        StructuredEventValidation result = schema.validateStructured(example("invalid-structured", "data-invalid-notification"));

        assertEquals(List.of(new ValidationError("/data/payload", "required property 'contactId' not found")),
                result.errors());
    }

    @Test
    void validatesConcurrentlyWithTheSameResults() throws Exception {
        List<Path> files = Stream.of("valid", "invalid")
                .flatMap(folder -> SchemaFiles.examples(folder).stream()).toList();
        Function<Path, NotificationValidation> check = file -> schema.validate(SchemaFiles.read(file));
        List<NotificationValidation> expected = files.stream().map(check).toList();

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<List<NotificationValidation>>> rounds = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                rounds.add(() -> files.stream().map(check).toList());
            }
            for (Future<List<NotificationValidation>> round : pool.invokeAll(rounds)) {
                assertEquals(expected, round.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
