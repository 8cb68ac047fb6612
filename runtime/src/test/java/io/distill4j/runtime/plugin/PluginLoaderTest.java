package io.distill4j.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.SpiVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginLoaderTest {
    @TempDir
    Path plugins;

    private PluginRegistry load() {
        return PluginRegistry.of(new PluginLoader(getClass().getClassLoader(), SpiVersion.parse("1.3")).load(plugins));
    }

    private static TestJars goodPlugin(String pkg, String pluginName, String lossName) {
        return new TestJars().descriptor(pluginName, "1.0")
                .source(pkg + ".Factory", TestJars.lossFactory(pkg, "Factory", lossName, "", ""))
                .lossProviders(pkg + ".Factory");
    }

    private static String onlyProblem(PluginRegistry r) {
        assertEquals(1, r.problems().size(), () -> "expected one problem, got " + r.problems());
        return r.problems().get(0).getMessage();
    }

    @Test
    void loadsADroppedInJarInItsOwnClassLoader() throws IOException {
        Path jar = goodPlugin("p.good", "good", "good-loss").writeTo(plugins.resolve("good.jar"));
        PluginRegistry r = load();
        assertEquals(List.of(), r.problems());
        PluginRegistry.Entry<DistillLossFactory> e = r.losses().get("good-loss");
        assertEquals("good", e.plugin().descriptor().name());
        assertEquals("1.2.3", e.plugin().descriptor().version());
        assertEquals(jar.toString(), e.plugin().location());
        assertTrue(e.factory().getClass().getClassLoader() instanceof PluginClassLoader);
        // The SPI is shared with the host, so the plugin's factory is the host's interface.
        assertTrue(DistillLossFactory.class.isInstance(e.factory()));
    }

    @Test
    void jarWithoutProvidersIsReportedAndOthersStillLoad() throws IOException {
        new TestJars().descriptor("empty", "1.0").file("readme.txt", "nothing").writeTo(plugins.resolve("a-empty.jar"));
        goodPlugin("p.ok", "ok", "ok-loss").writeTo(plugins.resolve("b-ok.jar"));
        PluginRegistry r = load();
        String msg = onlyProblem(r);
        assertTrue(msg.startsWith(plugins.resolve("a-empty.jar") + ": no providers"), msg);
        assertTrue(r.losses().containsKey("ok-loss"));
    }

    @Test
    void twoPluginsWithOneNameNameBothJars() throws IOException {
        goodPlugin("p.one", "one", "same").writeTo(plugins.resolve("one.jar"));
        goodPlugin("p.two", "two", "same").writeTo(plugins.resolve("two.jar"));
        PluginRegistry r = load();
        String msg = onlyProblem(r);
        assertTrue(msg.contains("one.jar") && msg.contains("two.jar") && msg.contains("'same'"), msg);
        assertEquals("one", r.losses().get("same").plugin().descriptor().name(), "the first loaded keeps the name");
    }

    @Test
    void incompatibleSpiVersionIsRefusedBeforeAnyClassLoads() throws IOException {
        String marker = "distill4j.test.loaded.newmajor";
        new TestJars().descriptor("newmajor", "2.0")
                .source("p.major.Factory", TestJars.lossFactory("p.major", "Factory", "major-loss", "",
                        "  static { System.setProperty(\"" + marker + "\", \"yes\"); }\n"))
                .lossProviders("p.major.Factory").writeTo(plugins.resolve("major.jar"));
        new TestJars().descriptor("newminor", "1.4")
                .source("p.minor.Factory", TestJars.lossFactory("p.minor", "Factory", "minor-loss", "", ""))
                .lossProviders("p.minor.Factory").writeTo(plugins.resolve("minor.jar"));
        PluginRegistry r = load();
        assertEquals(2, r.problems().size(), r.problems().toString());
        String major = r.problems().get(0).getMessage();
        String minor = r.problems().get(1).getMessage();
        assertTrue(major.startsWith(plugins.resolve("major.jar").toString()) && major.contains("SPI 2.0")
                && major.contains("SPI 1.3"), major);
        assertTrue(minor.contains("SPI 1.4") && minor.contains("SPI 1.3"), minor);
        assertNull(System.getProperty(marker), "a class of the refused plugin was loaded");
        assertTrue(r.losses().isEmpty());
    }

    @Test
    void olderMinorLoads() throws IOException {
        new TestJars().descriptor("older", "1.0")
                .source("p.older.Factory", TestJars.lossFactory("p.older", "Factory", "older-loss", "", ""))
                .lossProviders("p.older.Factory").writeTo(plugins.resolve("older.jar"));
        assertTrue(load().losses().containsKey("older-loss"));
    }

    @Test
    void corruptJarIsReported() throws IOException {
        Files.write(plugins.resolve("broken.jar"), new byte[] {'P', 'K', 3, 4, 0, 1, 2, 3, 4, 5});
        goodPlugin("p.fine", "fine", "fine-loss").writeTo(plugins.resolve("fine.jar"));
        PluginRegistry r = load();
        String msg = onlyProblem(r);
        assertTrue(msg.startsWith(plugins.resolve("broken.jar") + ": corrupt jar"), msg);
        assertTrue(r.losses().containsKey("fine-loss"));
    }

    @Test
    void missingOrBadDescriptorIsReported() throws IOException {
        new TestJars().source("p.nodesc.Factory", TestJars.lossFactory("p.nodesc", "Factory", "nodesc", "", ""))
                .lossProviders("p.nodesc.Factory").writeTo(plugins.resolve("nodesc.jar"));
        new TestJars().file(PluginDescriptor.PATH, "name=bad\nversion=1\nspi-version=one\n")
                .source("p.bad.Factory", TestJars.lossFactory("p.bad", "Factory", "bad", "", ""))
                .lossProviders("p.bad.Factory").writeTo(plugins.resolve("nodesc2.jar"));
        PluginRegistry r = load();
        assertEquals(2, r.problems().size());
        assertTrue(r.problems().get(0).getMessage().contains("nodesc.jar: no descriptor"), r.problems().toString());
        assertTrue(r.problems().get(1).getMessage().contains("nodesc2.jar: bad descriptor"), r.problems().toString());
    }

    @Test
    void providerThatThrowsInItsConstructorIsReported() throws IOException {
        new TestJars().descriptor("thrower", "1.0")
                .source("p.thrower.Factory", TestJars.lossFactory("p.thrower", "Factory", "thrower", "throw new IllegalStateException(\"no GPU here\");", ""))
                .lossProviders("p.thrower.Factory").writeTo(plugins.resolve("thrower.jar"));
        goodPlugin("p.fine2", "fine2", "fine2-loss").writeTo(plugins.resolve("z-fine.jar"));
        PluginRegistry r = load();
        String msg = onlyProblem(r);
        assertTrue(msg.startsWith(plugins.resolve("thrower.jar").toString())
                && msg.contains("p.thrower.Factory could not be created") && msg.contains("no GPU here"), msg);
        assertTrue(r.losses().containsKey("fine2-loss"));
    }

    @Test
    void missingDependencyClassIsReported() throws IOException {
        Path lib = new TestJars().source("p.lib.Helper", "package p.lib; public class Helper { public static int x() { return 1; } }")
                .writeTo(Files.createTempDirectory("lib").resolve("helper.jar"));
        new TestJars().descriptor("needy", "1.0").compileAgainst(lib)
                .source("p.needy.Factory", TestJars.lossFactory("p.needy", "Factory", "needy", "p.lib.Helper.x();", ""))
                .lossProviders("p.needy.Factory").writeTo(plugins.resolve("needy.jar"));
        String msg = onlyProblem(load());
        assertTrue(msg.startsWith(plugins.resolve("needy.jar").toString()) && msg.contains("missing class p.lib.Helper"), msg);
    }

    @Test
    void folderOfJarsIsOnePluginWithPrivateDependencies() throws IOException {
        Path dir = Files.createDirectories(plugins.resolve("with-lib"));
        Path lib = new TestJars().source("p.lib2.Helper", "package p.lib2; public class Helper { public static String x() { return \"from lib\"; } }")
                .writeTo(dir.resolve("helper.jar"));
        new TestJars().descriptor("withlib", "1.0").compileAgainst(lib)
                .source("p.withlib.Factory", TestJars.lossFactory("p.withlib", "Factory", "withlib", "",
                        "  public String description() { return p.lib2.Helper.x(); }\n"))
                .lossProviders("p.withlib.Factory").writeTo(dir.resolve("plugin.jar"));
        PluginRegistry r = load();
        assertEquals(List.of(), r.problems());
        assertEquals("from lib", r.losses().get("withlib").factory().description());
        assertEquals(dir.toString(), r.losses().get("withlib").plugin().location());
    }

    @Test
    void pluginSeesItsOwnCopyOfAHostLibraryAndNotTheHostsOthers() throws IOException {
        // Two plugins bundle their own, different com.typesafe.config.ConfigFactory (other "versions").
        for (String who : new String[] {"iso", "iso2"}) {
            new TestJars().descriptor(who, "1.0")
                .source("com.typesafe.config.ConfigFactory",
                        "package com.typesafe.config; public class ConfigFactory { public static String who() { return \"copy of " + who + "\"; } }")
                .source("p." + who + ".Factory", TestJars.lossFactory("p." + who, "Factory", who, "",
                        "  public String description() {\n"
                                + "    String guice;\n"
                                + "    try { Class.forName(\"com.google.inject.Guice\", false, getClass().getClassLoader()); guice = \"guice visible\"; }\n"
                                + "    catch (ClassNotFoundException e) { guice = \"guice hidden\"; }\n"
                                + "    return com.typesafe.config.ConfigFactory.who() + \", \" + guice; }\n"))
                .lossProviders("p." + who + ".Factory").writeTo(plugins.resolve(who + ".jar"));
        }
        PluginRegistry r = load();
        assertEquals(List.of(), r.problems());
        assertEquals("copy of iso, guice hidden", r.losses().get("iso").factory().description());
        assertEquals("copy of iso2, guice hidden", r.losses().get("iso2").factory().description());
        // The host's own Typesafe Config is untouched.
        assertTrue(com.typesafe.config.ConfigFactory.parseString("a = 1").hasPath("a"));
    }

    @Test
    void missingPluginsFolderIsEmpty() {
        PluginSet set = new PluginLoader(getClass().getClassLoader(), SpiVersion.current()).load(plugins.resolve("none"));
        assertEquals(List.of(), set.problems());
    }

    /** A factory whose source is written here, in package {@code pkg}: {@code members} complete it. */
    private static TestJars plugin(String pkg, String pluginName, String members) {
        String src = "package " + pkg + ";\nimport io.distill4j.spi.*;\nimport java.util.*;\n"
                + "public class Factory implements DistillLossFactory {\n" + members
                + "  public Set<LossInput> inputs() { return Set.of(LossInput.LOGITS); }\n}\n";
        return new TestJars().descriptor(pluginName, "1.0").source(pkg + ".Factory", src).lossProviders(pkg + ".Factory");
    }

    @Test
    void aFactoryWhoseNameOrOptionsThrowsIsOneLineNamingItsJar() throws IOException {
        plugin("p.badopts", "badopts", "  public String name() { return \"badopts\"; }\n"
                + "  public List<OptionSpec> options() { throw new IllegalStateException(\"options not ready\"); }\n"
                + "  public DistillLoss create(PairSetup s) { return (a, b, c) -> a.sub(b).square().mean(); }\n")
                .writeTo(plugins.resolve("a-badopts.jar"));
        plugin("p.badname", "badname", "  public String name() { throw new UnsupportedOperationException(\"no name\"); }\n"
                + "  public List<OptionSpec> options() { return List.of(); }\n"
                + "  public DistillLoss create(PairSetup s) { return (a, b, c) -> a.sub(b).square().mean(); }\n")
                .writeTo(plugins.resolve("b-badname.jar"));
        goodPlugin("p.fine3", "fine3", "fine3-loss").writeTo(plugins.resolve("c-fine.jar"));
        PluginRegistry r = load();
        assertEquals(2, r.problems().size(), r.problems().toString());
        assertEquals(plugins.resolve("a-badopts.jar") + ": loss factory p.badopts.Factory: options() failed"
                + " (IllegalStateException: options not ready); refused", r.problems().get(0).getMessage());
        assertEquals(plugins.resolve("b-badname.jar") + ": loss factory p.badname.Factory: name() failed"
                + " (UnsupportedOperationException: no name); refused", r.problems().get(1).getMessage());
        assertEquals(java.util.Set.of("fine3-loss"), r.losses().keySet(), "the others still load");
    }

    /** Construction, create and compute each see the plugin's own loader as the thread's context loader. */
    @Test
    void pluginCodeRunsUnderItsOwnContextClassLoader() throws IOException {
        String check = "if (Thread.currentThread().getContextClassLoader() != Factory.class.getClassLoader())"
                + " throw new IllegalArgumentException(\"context loader is \" + Thread.currentThread().getContextClassLoader());";
        plugin("p.tccl", "tccl", "  public Factory() { " + check + " }\n"
                + "  public String name() { " + check + " return \"tccl\"; }\n"
                + "  public List<OptionSpec> options() { return List.of(); }\n"
                + "  public DistillLoss create(PairSetup s) { " + check + "\n"
                + "    return (a, b, c) -> { " + check + " return a.sub(b).square().mean(); }; }\n")
                .writeTo(plugins.resolve("tccl.jar"));
        PluginRegistry r = load();
        assertEquals(List.of(), r.problems());
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        var plan = io.distill4j.runtime.Distill4j.start(r).experiments().parse(com.typesafe.config.ConfigFactory.parseString(
                "distill4j.pairs = [ { name = p, student = s, teacher = t, losses = [ { type = tccl } ] } ]"), "tccl.conf");
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.ndarray.types.Shape shape = new ai.djl.ndarray.types.Shape(2, 3);
            io.distill4j.runtime.Distiller d = io.distill4j.runtime.Distiller.create(plan, java.util.Map.of("s", shape),
                    java.util.Map.of("t", shape));
            var result = d.compute(io.distill4j.runtime.DistillBatch.builder(m).student("s", m.ones(shape))
                    .teacher("t", m.zeros(shape)).build());
            assertEquals(1f, result.total().getFloat(), "the plugin's loss ran");
        }
        assertEquals(before, Thread.currentThread().getContextClassLoader(), "the host's context loader is restored");
    }

    /** A plugin that bundles a stale copy of a shared class does not see it, as resource or list of resources. */
    @Test
    void sharedPackagesResourcesAllComeFromTheHost() throws IOException {
        String shared = "ai/djl/ndarray/NDArray.class";
        Path jar = goodPlugin("p.stale", "stale", "stale-loss").file(shared, "stale copy").writeTo(plugins.resolve("stale.jar"));
        try (PluginClassLoader loader = new PluginClassLoader("stale", new java.net.URL[] {jar.toUri().toURL()},
                getClass().getClassLoader())) {
            List<java.net.URL> found = java.util.Collections.list(loader.getResources(shared));
            assertEquals(java.util.Collections.list(getClass().getClassLoader().getResources(shared)), found);
            assertTrue(found.stream().noneMatch(u -> u.toString().contains("stale.jar")), found.toString());
            assertTrue(loader.getResource("p/stale/Factory.class").toString().contains("stale.jar"),
                    "the plugin's own classes come from its jar");
        }
    }

    /** Two jars of one plugin (two versions dropped in) are one problem; the first stays. */
    @Test
    void twoJarsOfOnePluginAreRefused() throws IOException {
        goodPlugin("p.v1", "same", "same-one").writeTo(plugins.resolve("same-1.0.jar"));
        goodPlugin("p.v2", "same", "same-two").writeTo(plugins.resolve("same-2.0.jar"));
        PluginRegistry r = load();
        String msg = onlyProblem(r);
        assertEquals(plugins.resolve("same-2.0.jar") + ": plugin 'same' is already loaded from " + plugins.resolve("same-1.0.jar")
                + "; two jars of one plugin (say two versions) are refused, keep one", msg);
        assertTrue(r.losses().containsKey("same-one") && !r.losses().containsKey("same-two"));
    }

    @Test
    void aPluginsFolderThatIsAFileIsAProblem() throws IOException {
        Path file = Files.writeString(plugins.resolve("not-a-folder"), "x");
        PluginRegistry r = PluginRegistry.of(new PluginLoader(getClass().getClassLoader(), SpiVersion.parse("1.3")).load(file));
        assertEquals(file + ": the plugins folder is a file; no drop-in plugin is loaded", onlyProblem(r));
    }
}
