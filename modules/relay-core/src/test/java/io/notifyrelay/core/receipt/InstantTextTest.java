package io.notifyrelay.core.receipt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InstantTextTest {

    private static void check(InstantText text, long ms) {
        assertEquals(Instant.ofEpochMilli(ms).toString(), new String(text.format(ms), StandardCharsets.US_ASCII),
                "epoch ms " + ms);
    }

    @Test
    void writesWhatInstantToStringWritesForEveryMillisecondOfASecondAndAcrossSeconds() {
        InstantText text = new InstantText();
        for (long ms = 1_700_000_000_000L - 1_500; ms < 1_700_000_000_000L + 2_500; ms++) {
            check(text, ms);
        }
        for (long ms : new long[] {0, 1, 999, 1_000, -1, -999, -1_000, -1_001, 253_402_300_799_999L,
                253_402_300_800_000L, 1_700_000_000_100L, 1_700_000_000_120L}) {
            check(text, ms);
        }
        SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < 10_000; i++) {
            check(text, random.nextLong(-100_000_000_000_000L, 100_000_000_000_000L));
        }
    }
}
