package io.distill4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every published jar carries a stable JPMS name, for users on the module path. */
class PublishedJarsIT {
    private static final Path REPO = Path.of(System.getProperty("distill4j.repo", ".."));

    private static final Map<String, String> MODULE_NAMES = Map.of(
            "spi", "io.distill4j.spi",
            "runtime", "io.distill4j.runtime",
            "djl", "io.distill4j.djl",
            "testkit", "io.distill4j.testkit",
            "plugin-logits", "io.distill4j.plugin.logits",
            "plugin-feature", "io.distill4j.plugin.feature",
            "plugin-detection", "io.distill4j.plugin.detection");

    @Test
    void eachPublishedJarNamesItsModule() throws Exception {
        for (Map.Entry<String, String> e : MODULE_NAMES.entrySet()) {
            Path target = REPO.resolve(e.getKey()).resolve("target");
            List<Path> jars;
            try (Stream<Path> s = Files.list(target)) {
                jars = s.filter(p -> p.getFileName().toString().matches("distill4j-" + e.getKey() + "-[0-9][^-]*(-SNAPSHOT)?\\.jar"))
                        .toList();
            }
            assertEquals(1, jars.size(), "one main jar in " + target + ": " + jars);
            try (JarFile jar = new JarFile(jars.get(0).toFile())) {
                assertEquals(e.getValue(), jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"),
                        jars.get(0).toString());
            }
        }
        assertTrue(MODULE_NAMES.values().stream().distinct().count() == MODULE_NAMES.size(), "names are unique");
    }

    /** The BOM manages every published module, at the build's version, and nothing else. */
    @Test
    void theBomListsEveryPublishedModule() throws Exception {
        javax.xml.parsers.DocumentBuilder xml = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder();
        org.w3c.dom.Document bom = xml.parse(REPO.resolve("bom/pom.xml").toFile());
        org.w3c.dom.NodeList deps = bom.getElementsByTagName("dependency");
        java.util.Set<String> managed = new java.util.TreeSet<>();
        for (int i = 0; i < deps.getLength(); i++) {
            org.w3c.dom.Element d = (org.w3c.dom.Element) deps.item(i);
            managed.add(d.getElementsByTagName("artifactId").item(0).getTextContent());
            assertEquals("${project.version}", d.getElementsByTagName("version").item(0).getTextContent());
        }
        java.util.Set<String> published = new java.util.TreeSet<>();
        MODULE_NAMES.keySet().forEach(m -> published.add("distill4j-" + m));
        assertEquals(published, managed);
        String parentVersion = xml.parse(REPO.resolve("pom.xml").toFile()).getElementsByTagName("version").item(0).getTextContent();
        assertEquals(parentVersion, bom.getElementsByTagName("version").item(0).getTextContent(), "the BOM moves with the build");
    }
}
