package io.distill4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.distill4j.runtime.NpzFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third party's plugin, built by its own Maven project (samples/third-party/at-plugin, built by the
 * invoker plugin before this test), dropped into a fresh plugins folder: distill lists it, checks an
 * experiment that uses it and evaluates it from config alone, without rebuilding anything of distill4j.
 */
class ThirdPartyPluginIT {
    static final Path BUILT = Path.of(System.getProperty("third.party.dir", "target/third-party"), "at-plugin");

    @TempDir
    Path tmp;

    private CliRun distill(String... args) {
        return CliRun.of(tmp.resolve("no-plugins"), args);
    }

    private Path dropIn() throws IOException {
        Path jar = BUILT.resolve("target/at-plugin-1.0.0.jar");
        assertTrue(Files.isRegularFile(jar), "the invoker build did not produce " + jar);
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Files.copy(jar, plugins.resolve(jar.getFileName()));
        return plugins;
    }

    @Test
    void distillPluginsListsTheDroppedInJar() throws IOException {
        Path plugins = dropIn();
        CliRun r = distill("--plugins-dir", plugins.toString(), "--strict", "plugins");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*loss\\s+at\\s+features\\s+at-plugin\\s+1\\.0\\.0\\s+1\\.1\\s+"
                + java.util.regex.Pattern.quote(plugins.resolve("at-plugin-1.0.0.jar").toString()) + ".*"), r.out());
        assertTrue(r.out().contains("loss     kd"), "built-in plugins still load next to it");
    }

    @Test
    void checkAndEvalUseItFromConfigAlone() throws IOException {
        Path plugins = dropIn();
        Path conf = Files.writeString(tmp.resolve("at.conf"), "distill4j { task-loss-weight = 0, pairs = [\n"
                + "  { name = stage, student = features, teacher = features,\n"
                + "    losses = [ { type = at, weight = 1000, p = 2 } ] } ] }\n");
        Path golden = BUILT.resolve("src/test/resources/golden/at/at_p2_channels_differ.npz");

        CliRun check = distill("--plugins-dir", plugins.toString(), "check", conf.toString(), "--inputs", golden.toString());
        assertEquals(0, check.code(), check.err());
        assertTrue(check.out().contains("stage") && check.out().contains("p=2.0"), check.out());

        Path out = tmp.resolve("out.npz");
        CliRun eval = distill("--plugins-dir", plugins.toString(), "eval", conf.toString(), golden.toString(), "-o", out.toString());
        assertEquals(0, eval.code(), eval.err());
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> reference = NpzFiles.read(golden, m);
            Map<String, NDArray> got = NpzFiles.read(out, m);
            float expectedLoss = reference.get("expected.loss").getFloat();
            assertEquals(expectedLoss, got.get("loss.stage.at").getFloat(), 1e-5 * expectedLoss);
            assertEquals(1000 * expectedLoss, got.get("total").getFloat(), 1e-2 * expectedLoss);
            float[] e = reference.get("expected.grad.student").toFloatArray();
            float[] a = got.get("grad.student.features").toFloatArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(1000 * e[i], a[i], 1000 * (1e-7 + 1e-5 * Math.abs(e[i])), "gradient[" + i + "]");
            }
        }
    }

    @Test
    void unknownTypeHintsAtTheDroppedInName() throws IOException {
        Path plugins = dropIn();
        Path conf = Files.writeString(tmp.resolve("typo.conf"),
                "distill4j.pairs = [ { name = stage, student = features, losses = [ { type = att } ] } ]\n");
        CliRun r = distill("--plugins-dir", plugins.toString(), "check", conf.toString());
        assertEquals(DistillCli.BAD_INPUT, r.code());
        assertTrue(r.err().contains("did you mean 'at'?"), r.err());
    }
}
