package io.notifyrelay.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link EnvelopeDecoder#isValidUtf8}: one bad byte forwarded would make browsers drop the WebSocket (1007). */
class Utf8ValidationTest {

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    @ParameterizedTest(name = "valid: {0}")
    @ValueSource(strings = {
        "",                 // empty
        "41 42 43",         // ASCII
        "00 7F",            // ASCII edges
        "C2 80",            // U+0080, smallest 2-byte
        "C3 A9",            // é
        "DF BF",            // U+07FF, largest 2-byte
        "E0 A0 80",         // U+0800, smallest 3-byte
        "E2 82 AC",         // €
        "ED 9F BF",         // U+D7FF, just below the surrogates
        "EE 80 80",         // U+E000, just above the surrogates
        "EF BF BF",         // U+FFFF
        "F0 90 80 80",      // U+10000, smallest 4-byte
        "F0 9F 98 80",      // 😀
        "F4 8F BF BF",      // U+10FFFF, the last code point
        "41 F0 9F 98 80 C3 A9 E2 82 AC 7A", // mixed
    })
    void acceptsWellFormedUtf8(String bytes) {
        assertTrue(EnvelopeDecoder.isValidUtf8(hex(bytes)));
    }

    @ParameterizedTest(name = "invalid: {0}")
    @ValueSource(strings = {
        "C0 80",            // overlong NUL
        "C1 BF",            // overlong U+007F
        "E0 80 80",         // overlong 3-byte NUL
        "E0 9F BF",         // overlong U+07FF
        "F0 80 80 80",      // overlong 4-byte NUL
        "F0 8F BF BF",      // overlong U+FFFF
        "ED A0 80",         // U+D800, high surrogate
        "ED AF BF",         // U+DBFF
        "ED B0 80",         // U+DC00, low surrogate
        "ED BF BF",         // U+DFFF
        "ED A0 BD ED B8 80", // surrogate pair encoded CESU-8 style
        "F4 90 80 80",      // U+110000, past the last code point
        "F5 80 80 80",      // lead byte F5
        "F7 BF BF BF",
        "F8 88 80 80 80",   // 5-byte form
        "FC 84 80 80 80 80", // 6-byte form
        "FE", "FF",
        "80",               // lone continuation byte
        "BF",
        "41 80 41",
        "C3",               // truncated 2-byte
        "E2 82",            // truncated 3-byte
        "E2",
        "F0 9F 98",         // truncated emoji
        "F0 9F",
        "F0",
        "C3 28",            // continuation replaced by ASCII
        "E2 28 A1",
        "E2 82 28",
        "F0 28 8C BC",
        "F0 90 28 BC",
        "F0 9F 98 28",
        "C3 C3 A9",         // lead byte where a continuation belongs
        "7B 22 61 22 3A 22 C3 22 7D", // {"a":"<C3>"} truncated inside a string
    })
    void rejectsMalformedUtf8(String bytes) {
        assertFalse(EnvelopeDecoder.isValidUtf8(hex(bytes)));
    }

    @Test
    void everyCodePointEncodedByTheJdkIsValid() {
        StringBuilder all = new StringBuilder();
        for (int cp = 0; cp <= 0x10FFFF; cp++) {
            if (cp < 0xD800 || cp > 0xDFFF) {
                all.appendCodePoint(cp);
            }
        }
        assertTrue(EnvelopeDecoder.isValidUtf8(all.toString().getBytes(UTF_8)));
    }

    @Test
    void agreesWithTheJdkStrictDecoderOnEveryTwoByteSequence() {
        byte[] bytes = new byte[2];
        for (int a = 0; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                bytes[0] = (byte) a;
                bytes[1] = (byte) b;
                assertAgreesWithJdk(bytes);
            }
        }
    }

    @Test
    void agreesWithTheJdkStrictDecoderOnThreeAndFourByteLeads() {
        int[] tails = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC3, 0xE0, 0xF0, 0xFF};
        int[] shortTails = {0x41, 0x80, 0xBF, 0xC0};
        for (int lead = 0xE0; lead <= 0xFF; lead++) {
            for (int second = 0; second < 256; second++) {
                for (int third : tails) {
                    assertAgreesWithJdk(new byte[] {(byte) lead, (byte) second, (byte) third});
                }
                if (lead >= 0xF0) {
                    for (int third : shortTails) {
                        for (int fourth : shortTails) {
                            assertAgreesWithJdk(new byte[] {(byte) lead, (byte) second, (byte) third, (byte) fourth});
                        }
                    }
                }
            }
        }
    }

    @Test
    void agreesWithTheJdkStrictDecoderOnRandomInput() {
        Random random = new Random(7L);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(12)];
            for (int k = 0; k < bytes.length; k++) {
                // mostly high bytes, where the interesting cases are
                bytes[k] = (byte) (random.nextInt(4) == 0 ? random.nextInt(128) : 0x80 + random.nextInt(128));
            }
            assertAgreesWithJdk(bytes);
        }
    }

    private static void assertAgreesWithJdk(byte[] bytes) {
        assertEquals(jdkAccepts(bytes), EnvelopeDecoder.isValidUtf8(bytes), () -> HexFormat.ofDelimiter(" ").formatHex(bytes));
    }

    private static final ThreadLocal<CharsetDecoder> STRICT = ThreadLocal.withInitial(() -> UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT));

    /** Uses CoderResult rather than exceptions: most inputs here are invalid, and exceptions are slow. */
    private static boolean jdkAccepts(byte[] bytes) {
        CharsetDecoder decoder = STRICT.get().reset();
        CharBuffer out = CharBuffer.allocate(bytes.length * 2 + 2);
        CoderResult result = decoder.decode(ByteBuffer.wrap(bytes), out, true);
        if (result.isError()) {
            return false;
        }
        return !decoder.flush(out).isError();
    }
}
