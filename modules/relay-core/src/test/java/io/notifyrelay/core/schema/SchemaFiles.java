package io.notifyrelay.core.schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Finds the source copy of schemas/ (the contract) from the module directory the tests run in. */
final class SchemaFiles {

    static final Path SCHEMAS_DIR = Path.of(System.getProperty("basedir", ".")).toAbsolutePath()
            .resolve("../../schemas").normalize();

    private SchemaFiles() {
    }

    /** The .json files of one examples folder; fails when there are none so a moved folder cannot pass silently. */
    static List<Path> examples(String folder) {
        Path dir = SCHEMAS_DIR.resolve("examples").resolve(folder);
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("examples folder missing: " + dir);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> examples = files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
            if (examples.isEmpty()) {
                throw new IllegalStateException("no .json examples in " + dir);
            }
            return examples;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String nameOf(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - ".json".length());
    }
}
