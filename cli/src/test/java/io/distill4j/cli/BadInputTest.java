package io.distill4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad inputs of the reliability review, by class: each gives one line naming the path, file and
 * line or pair, exits 2, is found before anything trains, and loses nothing already written.
 */
class BadInputTest {
    @TempDir
    Path tmp;

    private CliRun distill(String... args) {
        return CliRun.of(tmp.resolve("no-plugins"), args);
    }

    /** The default experiment at a tiny size, writing under {@code tmp}, with {@code extra} train settings. */
    private Path experiment(String name, String extra) throws IOException {
        return Files.writeString(tmp.resolve(name + ".conf"), "include \"" + TrainCommandTest.EXPERIMENTS.resolve("kd.conf")
                + "\"\ntrain { epochs = 2, batch-size = 32, data { train-size = 128, test-size = 64 }, teacher { epochs = 1 },"
                + " output = \"" + tmp.resolve("runs") + "\", cache = \"" + tmp.resolve("cache") + "\" }\n" + extra);
    }

    private static void badInput(CliRun r, String expected) {
        assertEquals(DistillCli.BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertTrue(!r.err().contains("internal error") && !r.err().contains("\tat "), r.err());
    }

    // ---- 1. file-system errors, before any work ---------------------------------------------------

    @Test
    void pathsThatCannotBeWrittenAreNamedBeforeAnythingTrains() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        CliRun output = distill("train", experiment("out", "train.output = \"" + file + "\"\n").toString());
        badInput(output, file.resolve("out") + ": train.output (the run's folder) must be a folder, but " + file + " is a file");
        assertTrue(!output.err().contains("teacher:"), "nothing trained: " + output.err());

        CliRun cache = distill("train", experiment("cache", "train.cache = \"" + file + "\"\n").toString());
        badInput(cache, file + ": train.cache (the teacher cache) must be a folder, but it is a file");

        Files.createDirectories(tmp.resolve("runs/log/steps.csv"));
        badInput(distill("train", experiment("log", "").toString()),
                tmp.resolve("runs/log/steps.csv") + ": the step log must be a file, but it is a folder");

        Path folder = Files.createDirectories(tmp.resolve("a-folder"));
        badInput(distill("export", experiment("exp", "").toString(), "-o", folder.toString()),
                folder + ": the exported student must be a file, but it is a folder");
        badInput(distill("eval", CliTest.KD_CONF.toString(), CliTest.KD_INPUTS.toString(), "-o", folder.toString()),
                folder + ": the eval output must be a file, but it is a folder");
    }

    // ---- 2. check validates everything train would ------------------------------------------------

    @Test
    void checkReportsPlanAndTrainProblemsOfEveryFileAtOnce() throws IOException {
        Path a = Files.writeString(tmp.resolve("a.conf"), "include \"" + CliTest.KD_CONF + "\"\ntrain {\n  data { channels = 2 }\n}\n");
        Path b = Files.writeString(tmp.resolve("b.conf"), "distill4j.pairs = [ { name = l, student = logits, losses = [ { type = kd,"
                + " temprature = 2 } ] } ]\ntrain = 3\n");
        Path c = Files.writeString(tmp.resolve("c.conf"), "include \"" + CliTest.KD_CONF + "\"\ntrain.data = [ 1, 2 ]\n");
        CliRun r = distill("check", a.toString(), b.toString(), c.toString());
        badInput(r, a + ":3: option 'channels' of train.data must be 1 (grayscale) or 3 (RGB), got 2");
        assertTrue(r.err().contains(b + ":1: unknown option 'temprature'"), r.err());
        assertTrue(r.err().contains(b + ":2: 'train' must be an object { ... }, got number 3"), r.err());
        assertTrue(r.err().contains(c + ":2: 'train.data' must be an object { ... }, got list [1,2]"), r.err());
    }

    // ---- 7. a run never mixes with another -------------------------------------------------------

    @Test
    void aRunNeverContinuesOrOverwritesAnothersCheckpoints() throws IOException {
        Path conf = experiment("kd", "");
        assertEquals(0, distill("train", conf.toString()).code());
        Path run = tmp.resolve("runs/kd");
        byte[] first = Files.readAllBytes(run.resolve("checkpoints/epoch-002/parameters.ndlist"));

        // The same run folder, another learning rate: --resume refuses, before training the teacher or the student alone.
        Path other = Files.writeString(Files.createDirectories(tmp.resolve("other")).resolve("kd.conf"),
                "include \"" + conf + "\"\ntrain.learning-rate = 0.02\n");
        CliRun resume = distill("train", "--resume", other.toString());
        badInput(resume, "a checkpoint of another experiment or data");
        assertTrue(!resume.err().contains("student alone: epoch"), resume.err());

        // Trained afresh instead, the earlier run is moved aside whole, not overwritten.
        CliRun fresh = distill("train", other.toString());
        assertEquals(0, fresh.code(), fresh.err());
        assertTrue(fresh.err().contains("held an earlier run; its checkpoints and log are now in " + run.resolve("previous")),
                fresh.err());
        try (var s = Files.list(run.resolve("previous"))) {
            Path aside = s.findFirst().orElseThrow();
            assertTrue(java.util.Arrays.equals(first, Files.readAllBytes(aside.resolve("checkpoints/epoch-002/parameters.ndlist"))),
                    "the earlier run's checkpoint is kept as it was");
            assertTrue(Files.isRegularFile(aside.resolve("steps.csv")));
        }
    }

    // ---- 3 and 8. nonsense refused, messages that point the right way ----------------------------

    private CliRun check(String name, byte[] content) throws IOException {
        return distill("check", Files.write(tmp.resolve(name), content).toString());
    }

    private CliRun check(String name, String content) throws IOException {
        return check(name, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static final String PAIR = "distill4j.pairs = [ { name = l, student = logits, losses = [ { type = kd";

    @Test
    void anOpProfileWithoutStepsOrRunsToProfileIsRefused() {
        badInput(distill("bench", "--overhead", "--op-profile", "70:40"),
                "--op-profile profiles the training steps of --train or the loss cases: not --offline, --memory or --overhead");
        badInput(distill("bench", "--only", "^kd\\[64", "--iterations", "3", "--op-profile", "3:2"),
                "--op-profile 3:2 ends after the 3 timed runs of kd[64x100]: give a shorter window or more --iterations");
        badInput(distill("bench", "--train", "--op-profile", "70"), "--op-profile 70: give FIRST:STEPS");
    }

    @Test
    void nonsenseInAnExperimentIsRefusedWithItsLine() throws IOException {
        badInput(check("inf.conf", PAIR + ", temperature = 1e400 } ] } ]\n"),
                "inf.conf:1: option 'temperature' of loss 'kd' must be a finite number within float32's range");
        badInput(check("weight.conf", PAIR + ", weight = 1e300 } ] } ]\n"),
                "weight.conf:1: pair 'l': 'weight' = 1.0E300 is out of range (at most 1000000.0)");
        badInput(check("seed.conf", PAIR + " } ] } ]\ntrain.seed = 1.5\n"),
                "seed.conf:2: option 'seed' of train must be a whole number, got 1.5");
        badInput(check("chart.conf", PAIR + " } ] } ]\ntrain.chart-every = -5\n"),
                "chart.conf:2: option 'chart-every' of train must be >= 0, got -5");
        badInput(check("top.conf", PAIR + " } ] } ]\ntrian { epochs = 2 }\n"),
                "top.conf:2: unknown top-level key 'trian'; did you mean 'train'?");
        badInput(check("include.conf", "include \"nowhere.conf\"\n" + PAIR + " } ] } ]\n"),
                "include.conf:1: include \"nowhere.conf\" finds no file");
        badInput(check("brace.conf", "distill4j {\n  pairs = [ { name = l, student = logits, losses = [ { type = kd } ] } ]\n"),
                "brace.conf:1: the '{' opened here is never closed");
        badInput(check("empty.conf", "distill4j.pairs = [ { name = \"\", student = logits, losses = [ { type = kd } ] } ]\n"),
                "empty.conf:1: pair name '': use letters, digits");
        badInput(check("dots.conf", "distill4j.pairs = [ { name = a.b, student = logits, losses = [ { type = kd } ] } ]\n"),
                "dots.conf:1: pair name 'a.b': use letters, digits, '_' and '-' (no dots");
        byte[] latin = (PAIR + " } ] } ]\n# caf\u00e9\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        badInput(check("latin.conf", latin), "latin.conf:2: not valid UTF-8");
        Path folder = Files.createDirectories(tmp.resolve("folder.conf"));
        badInput(distill("check", folder.toString()), folder + ": a folder, not an experiment file");

        badInput(check("required.conf", "include required(\"gone.conf\")\n" + PAIR + " } ] } ]\n"),
                "required.conf:1: include \"gone.conf\" finds no file");
        CliRun notObject = check("notobj.conf", "distill4j.pairs = [ 3 ]\n");
        badInput(notObject, "notobj.conf:1: each entry of 'pairs' must be a pair object { ... }, got 3");
        assertTrue(!notObject.err().contains("is empty"), "no false 'pairs is empty' beside it: " + notObject.err());
        byte[] bom = ("\uFEFF" + PAIR + " } ] } ]\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        CliRun withBom = check("bom.conf", bom);
        assertEquals(0, withBom.code(), "a byte-order mark is accepted: " + withBom.err());
    }

    @Test
    void nonsenseOnTheCommandLineIsRefused() throws IOException {
        badInput(distill("eval", CliTest.KD_CONF.toString(), CliTest.KD_INPUTS.toString(), "--epoch", "0"),
                "--epoch counts from 1 and --step from 0");
        badInput(distill("eval", CliTest.KD_CONF.toString(), CliTest.KD_INPUTS.toString(), "--step", "-3"),
                "--epoch counts from 1 and --step from 0, got --epoch 1 --step -3");
        Path missing = tmp.resolve("no-such-plugins");
        CliRun warned = CliRun.of(missing, "--plugins-dir", missing.toString(), "check", CliTest.KD_CONF.toString());
        assertEquals(0, warned.code(), warned.err());
        assertTrue(warned.err().contains("warning: " + missing + ": no such plugins folder"), warned.err());
        badInput(CliRun.of(missing, "--plugins-dir", missing.toString(), "--strict", "check", CliTest.KD_CONF.toString()),
                missing + ": no such plugins folder (--strict)");
    }

    /** Fashion-MNIST where a file is cut short or missing: one line naming the file, exit 2, nothing trained. */
    @Test
    void aTruncatedOrMissingFashionMnistFileStopsTheRunBeforeTraining() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fashion"));
        for (String name : java.util.List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz")) {
            // a gzip stream whose IDX header promises 60,000 images and holds a few bytes
            try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(dir.resolve(name)))) {
                out.write(new byte[] {0, 0, 8, name.contains("images") ? (byte) 3 : (byte) 1, 0, 0, (byte) 0xEA, 0x60, 0, 0, 0, 28,
                    0, 0, 0, 28, 1, 2, 3});
            }
        }
        Path conf = experiment("fashion", "train.data { source = fashion-mnist, path = \"" + dir + "\" }\n");
        badInput(distill("train", conf.toString()), "truncated");
        assertFalse(Files.exists(tmp.resolve("runs/fashion/checkpoints/epoch-001")));
        Files.delete(dir.resolve("train-images-idx3-ubyte.gz"));
        badInput(distill("train", conf.toString()), "train-images-idx3-ubyte");
    }

    /** A Parquet table with an image of another size: one line naming the file and row, exit 2, nothing trained. */
    @Test
    void aParquetTableWithMixedImageSizesStopsTheRunBeforeTraining() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("table"));
        java.util.List<io.distill4j.cli.train.ParquetTables.Row> rows = new java.util.ArrayList<>(
                io.distill4j.cli.train.ParquetTables.greyRows(0, 5, 28, 2));
        rows.add(new io.distill4j.cli.train.ParquetTables.Row(io.distill4j.cli.train.ParquetTables.greyPng(5, 32), 1));
        io.distill4j.cli.train.ParquetTables.binary(dir.resolve("train.parquet"), rows);
        io.distill4j.cli.train.ParquetTables.binary(dir.resolve("test.parquet"), io.distill4j.cli.train.ParquetTables.greyRows(0, 2, 28, 2));
        Path conf = experiment("parquet", "train.data { source = parquet, path = \"" + dir + "\" }\n");
        CliRun r = distill("train", conf.toString());
        badInput(r, dir.resolve("train.parquet") + " row 5: the image is 32x32, not 28x28 (train.data.image-size)");
        assertEquals(1, r.err().lines().filter(l -> !l.isBlank()).count(), r.err());
        assertTrue(!r.err().contains("teacher:"), "nothing trained: " + r.err());
        assertFalse(Files.exists(tmp.resolve("runs/parquet/checkpoints/epoch-001")));
    }
}
