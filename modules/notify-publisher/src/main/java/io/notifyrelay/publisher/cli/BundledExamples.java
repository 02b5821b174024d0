package io.notifyrelay.publisher.cli;

import io.notifyrelay.core.schema.NotificationSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The valid examples of schemas/examples/valid, read from relay-core's classpath copy so the CLI needs no
 * checkout. Names are the file names without {@code .json}.
 */
final class BundledExamples {

    static final String FOLDER = NotificationSchema.CLASSPATH_ROOT + "examples/valid/";

    private BundledExamples() {
    }

    static List<String> names() {
        // a classpath "directory" cannot be listed portably, so find the folder next to a known resource
        URL anchor = resource(NotificationSchema.CLASSPATH_ROOT + "notification.schema.json");
        try {
            URI uri = anchor.toURI();
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem jar = openJar(uri)) {
                    return list(jar.getPath("/" + FOLDER));
                }
            }
            return list(Path.of(uri).resolveSibling("examples").resolve("valid"));
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate bundled examples from " + anchor, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(String name) throws UsageException {
        if (!name.matches("[A-Za-z0-9._-]+") || name.startsWith(".")) {
            throw new UsageException("not an example name: " + name);
        }
        try (InputStream in = BundledExamples.class.getClassLoader().getResourceAsStream(FOLDER + name + ".json")) {
            if (in == null) {
                throw new UsageException("no example named " + name + "; known examples: " + String.join(", ", names()));
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileSystem openJar(URI uri) throws IOException {
        try {
            return FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
            // someone else holds it open; a new one over the same jar file is independent of theirs
            return FileSystems.newFileSystem(Path.of(URI.create(uri.getSchemeSpecificPart().split("!")[0])));
        }
    }

    private static List<String> list(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(".json"))
                    .map(name -> name.substring(0, name.length() - ".json".length()))
                    .sorted()
                    .toList();
        }
    }

    private static URL resource(String name) {
        URL url = BundledExamples.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new IllegalStateException(name + " is not on the classpath (is relay-core there?)");
        }
        return url;
    }
}
