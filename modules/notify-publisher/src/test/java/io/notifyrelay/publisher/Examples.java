package io.notifyrelay.publisher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the contract's example notifications from the source copy of schemas/. */
public final class Examples {

    public static final Path SCHEMAS_DIR = Path.of(System.getProperty("basedir", ".")).toAbsolutePath()
            .resolve("../../schemas").normalize();

    private Examples() {
    }

    public static byte[] valid(String name) {
        return read(SCHEMAS_DIR.resolve("examples/valid/" + name + ".json"));
    }

    public static byte[] invalid(String name) {
        return read(SCHEMAS_DIR.resolve("examples/invalid/" + name + ".json"));
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
