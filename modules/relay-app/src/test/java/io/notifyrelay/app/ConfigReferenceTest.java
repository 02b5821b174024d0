package io.notifyrelay.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's configuration reference is the one {@link ConfigOption} generates. */
class ConfigReferenceTest {

    static final String START = "<!-- config-reference:start -->";
    static final String END = "<!-- config-reference:end -->";

    @Test
    void readmeConfigurationReferenceMatchesTheCode() throws IOException {
        String readme = Files.readString(Path.of("..", "..", "README.md"));
        int start = readme.indexOf(START);
        int end = readme.indexOf(END);
        assertTrue(start >= 0 && end > start, "README.md needs the markers " + START + " and " + END);
        String inReadme = readme.substring(start + START.length(), end).strip();
        assertEquals(ConfigOption.markdownTable().strip(), inReadme,
                "README.md's configuration reference is out of date; replace the table between the markers with "
                        + "the expected text above (ConfigOption.markdownTable())");
    }
}
