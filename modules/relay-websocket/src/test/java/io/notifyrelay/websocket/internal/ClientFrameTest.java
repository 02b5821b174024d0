package io.notifyrelay.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientFrameTest {

    static ClientFrame.Invalid invalid(String text, String code) {
        ClientFrame frame = ClientFrame.parse(text);
        ClientFrame.Invalid invalid = assertInstanceOf(ClientFrame.Invalid.class, frame, () -> text + " -> " + frame);
        assertEquals(code, invalid.code(), invalid::message);
        assertTrue(invalid.message() != null && !invalid.message().isBlank());
        return invalid;
    }

    @Nested
    class NotAFrame {

        @ParameterizedTest
        @ValueSource(strings = {"not json", "{", "{\"type\":", "{'type':'ping'}", "{type:ping}", "\u0000"})
        void notJson(String text) {
            assertEquals("frame is not JSON", invalid(text, "bad_frame").message());
        }

        @ParameterizedTest
        @ValueSource(strings = {"[]", "[{\"type\":\"ping\"}]", "\"ping\"", "42", "null", "true", "", "   "})
        void notAnObject(String text) {
            invalid(text, "bad_frame");
        }

        @ParameterizedTest
        @ValueSource(strings = {"{}", "{\"token\":\"t\"}", "{\"type\":null}", "{\"type\":7}", "{\"type\":[\"ping\"]}",
            "{\"type\":{\"name\":\"ping\"}}", "{\"Type\":\"ping\"}"})
        void noStringType(String text) {
            invalid(text, "bad_frame");
        }

        @ParameterizedTest
        @ValueSource(strings = {"hello", "PING", "Auth", " ping", "subscribe ", "event", "pong", ""})
        void unknownType(String type) {
            ClientFrame.Invalid frame = invalid("{\"type\":\"" + type + "\"}", "unknown_type");
            assertTrue(frame.message().contains("\"" + type + "\""), frame.message());
        }

        @Test
        void longUnknownTypeIsAbbreviatedInTheMessage() {
            String type = "x".repeat(500);
            ClientFrame.Invalid frame = invalid("{\"type\":\"" + type + "\"}", "unknown_type");
            assertTrue(frame.message().length() < 100, frame.message());
        }
    }

    @Nested
    class Ping {

        @Test
        void ping() {
            assertEquals(new ClientFrame.Ping(), ClientFrame.parse("{\"type\":\"ping\"}"));
        }

        @Test
        void extraFieldsAreIgnored() {
            assertEquals(new ClientFrame.Ping(), ClientFrame.parse("{\"type\":\"ping\",\"ts\":123,\"x\":{}}"));
        }

        @Test
        void whitespaceAroundIsFine() {
            assertEquals(new ClientFrame.Ping(), ClientFrame.parse("  \n{ \"type\" : \"ping\" }\t"));
        }
    }

    @Nested
    class Auth {

        @Test
        void authWithToken() {
            assertEquals(new ClientFrame.Auth("eyJ.a.b"), ClientFrame.parse("{\"type\":\"auth\",\"token\":\"eyJ.a.b\"}"));
        }

        @Test
        void thePreviousSessionIsAHintAShortStringOrNothing() {
            assertEquals(new ClientFrame.Auth("eyJ.a.b", "s-1"),
                    ClientFrame.parse("{\"type\":\"auth\",\"token\":\"eyJ.a.b\",\"previousSession\":\"s-1\"}"));
            assertEquals(new ClientFrame.Auth("eyJ.a.b", null), ClientFrame.parse(
                    "{\"type\":\"auth\",\"token\":\"eyJ.a.b\",\"previousSession\":\"" + "x".repeat(65) + "\"}"));
            assertEquals(new ClientFrame.Auth("eyJ.a.b", null),
                    ClientFrame.parse("{\"type\":\"auth\",\"token\":\"eyJ.a.b\",\"previousSession\":7}"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"{\"type\":\"auth\"}", "{\"type\":\"auth\",\"token\":null}",
            "{\"type\":\"auth\",\"token\":\"\"}", "{\"type\":\"auth\",\"token\":\"   \"}",
            "{\"type\":\"auth\",\"token\":42}", "{\"type\":\"auth\",\"token\":[\"t\"]}",
            "{\"type\":\"auth\",\"token\":{\"jwt\":\"t\"}}"})
        void authWithoutAStringToken(String text) {
            invalid(text, "bad_frame");
        }
    }

    @Nested
    class Subscribe {

        @Test
        void wholeLobWhenContactsAreAbsent() {
            ClientFrame.Subscribe frame = assertInstanceOf(ClientFrame.Subscribe.class,
                    ClientFrame.parse("{\"type\":\"subscribe\"}"));
            assertNull(frame.contacts());
            assertNull(frame.cursors());
            assertNull(frame.since());
        }

        @Test
        void wholeLobWhenContactsAreNull() {
            ClientFrame.Subscribe frame = assertInstanceOf(ClientFrame.Subscribe.class,
                    ClientFrame.parse("{\"type\":\"subscribe\",\"contacts\":null}"));
            assertNull(frame.contacts());
        }

        @Test
        void contactsInOrder() {
            assertEquals(new ClientFrame.Subscribe(List.of("c2", "c1", "ü-😀"), null, null),
                    ClientFrame.parse("{\"type\":\"subscribe\",\"contacts\":[\"c2\",\"c1\",\"ü-😀\"]}"));
        }

        @Test
        void cursorsAndSince() {
            assertEquals(new ClientFrame.Subscribe(List.of("c1"), List.of("Y3Vyc29y"), "2025-01-01T00:00:00Z"),
                    ClientFrame.parse("{\"type\":\"subscribe\",\"contacts\":[\"c1\"],\"cursors\":[\"Y3Vyc29y\"],"
                            + "\"since\":\"2025-01-01T00:00:00Z\"}"));
        }

        @Test
        void emptyCursorsAreAllowed() {
            assertEquals(new ClientFrame.Subscribe(null, List.of(), null),
                    ClientFrame.parse("{\"type\":\"subscribe\",\"cursors\":[]}"));
        }

        @Test
        void nullCursorsAndSinceAreAbsent() {
            assertEquals(new ClientFrame.Subscribe(null, null, null),
                    ClientFrame.parse("{\"type\":\"subscribe\",\"cursors\":null,\"since\":null}"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"[]", "[1]", "[\"c1\",2]", "[\"c1\",null]", "[\"\"]", "[[\"c1\"]]", "[{}]", "\"c1\"",
            "{}", "3", "true"})
        void contactsMustBeANonEmptyArrayOfStrings(String contacts) {
            invalid("{\"type\":\"subscribe\",\"contacts\":" + contacts + "}", "bad_frame");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"c\"", "[1]", "[null]", "{}", "[\"\"]"})
        void cursorsMustBeAnArrayOfStrings(String cursors) {
            invalid("{\"type\":\"subscribe\",\"cursors\":" + cursors + "}", "bad_frame");
        }

        @ParameterizedTest
        @ValueSource(strings = {"123", "[]", "{}", "true"})
        void sinceMustBeAString(String since) {
            invalid("{\"type\":\"subscribe\",\"since\":" + since + "}", "bad_frame");
        }
    }

    @Nested
    class Unsubscribe {

        @Test
        void unsubscribeContacts() {
            assertEquals(new ClientFrame.Unsubscribe(List.of("c1", "c2")),
                    ClientFrame.parse("{\"type\":\"unsubscribe\",\"contacts\":[\"c1\",\"c2\"]}"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"{\"type\":\"unsubscribe\"}", "{\"type\":\"unsubscribe\",\"contacts\":null}",
            "{\"type\":\"unsubscribe\",\"contacts\":[]}", "{\"type\":\"unsubscribe\",\"contacts\":\"c1\"}",
            "{\"type\":\"unsubscribe\",\"contacts\":[1]}", "{\"type\":\"unsubscribe\",\"contacts\":[\"\"]}"})
        void unsubscribeNeedsANonEmptyArrayOfStrings(String text) {
            invalid(text, "bad_frame");
        }
    }
}
