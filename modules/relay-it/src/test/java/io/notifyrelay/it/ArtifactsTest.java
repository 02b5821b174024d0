package io.notifyrelay.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * The published POMs as users see them: notify-relay-bom (which has no parent, so nothing keeps it in step by
 * itself) names the version and the Jackson of this build and every artifact modules depend on, and the library
 * POMs force no logging backend and no JWT library on their users.
 */
class ArtifactsTest {

    private static final Path ROOT = Path.of("..", "..");

    private static Element pom(String path) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document document = factory.newDocumentBuilder().parse(ROOT.resolve(path).toFile());
            return document.getDocumentElement();
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new AssertionError("cannot read " + path, e);
        }
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node n = parent == null ? null : parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                found.add(e);
            }
        }
        return found;
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0);
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent().trim();
    }

    private static List<Element> managed(Element pom) {
        return children(child(child(pom, "dependencyManagement"), "dependencies"), "dependency");
    }

    private static Set<String> managedNotifyRelayArtifacts(Element pom) {
        Set<String> ids = new TreeSet<>();
        for (Element dependency : managed(pom)) {
            if ("io.notifyrelay".equals(text(dependency, "groupId"))) {
                ids.add(text(dependency, "artifactId"));
            }
        }
        return ids;
    }

    @Test
    void bomHasTheBuildsVersionAndManagesEveryArtifactTheModulesUse() {
        Element parent = pom("pom.xml");
        Element bom = pom("modules/notify-relay-bom/pom.xml");
        assertEquals("notify-relay-bom", text(bom, "artifactId"));
        assertEquals(text(parent, "version"), text(bom, "version"));
        assertTrue(children(child(parent, "modules"), "module").stream()
                .anyMatch(m -> m.getTextContent().trim().equals("modules/notify-relay-bom")), "the BOM is built and installed");
        assertEquals(managedNotifyRelayArtifacts(parent), managedNotifyRelayArtifacts(bom));
    }

    @Test
    void bomImportsTheJacksonBomOfTheBuild() {
        String jackson = text(child(pom("pom.xml"), "properties"), "jackson.version");
        Element bom = pom("modules/notify-relay-bom/pom.xml");
        assertEquals(jackson, text(child(bom, "properties"), "jackson.version"));
        assertTrue(managed(bom).stream().anyMatch(d -> "jackson-bom".equals(text(d, "artifactId"))
                && "import".equals(text(d, "scope")) && "${jackson.version}".equals(text(d, "version"))));
    }

    @Test
    void everyPublishedPomNamesItsLicenceScmUrlAndDevelopers() {
        for (String path : List.of("pom.xml", "modules/notify-relay-bom/pom.xml")) {
            Element pom = pom(path);
            assertEquals("Apache-2.0", text(child(child(pom, "licenses"), "license"), "name"), path);
            assertTrue(text(pom, "url").startsWith("https://"), path);
            assertTrue(text(child(pom, "scm"), "connection").startsWith("scm:git:"), path);
            assertFalse(children(child(pom, "developers"), "developer").isEmpty(), path);
        }
    }

    @Test
    void thePublisherForcesNoLoggingBackendAndNoJwtLibraryOnItsUsers() {
        Element publisher = pom("modules/notify-publisher/pom.xml");
        for (Element dependency : children(child(publisher, "dependencies"), "dependency")) {
            String artifact = text(dependency, "artifactId");
            if (artifact.startsWith("logback")) {
                assertEquals("true", text(dependency, "optional"), "logback is for the CLI only");
            }
            if (artifact.equals("relay-core")) {
                assertTrue(children(child(dependency, "exclusions"), "exclusion").stream()
                        .anyMatch(e -> "nimbus-jose-jwt".equals(text(e, "artifactId"))), "nimbus-jose-jwt excluded");
            }
        }
    }
}
