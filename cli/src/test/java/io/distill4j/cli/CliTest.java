package io.distill4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill4j.runtime.NpzFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The distill command line, run in-process as a user would run it. */
class CliTest {
    static final Path REPO = Path.of(System.getProperty("distill4j.repo", ".."));
    static final Path KD_CONF = REPO.resolve("samples/experiments/kd.conf");
    static final Path KD_INPUTS = REPO.resolve("samples/data/kd-logits.npz");
    static final Path KD_EXPECTED = REPO.resolve("samples/data/kd-logits.expected.npz");

    @TempDir
    Path tmp;

    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    /** Runs distill with an empty plugins folder unless the arguments name one. */
    CliRun distill(String... args) {
        return CliRun.of(tmp.resolve("no-plugins"), args);
    }

    private Path conf(String text) throws IOException {
        return Files.writeString(tmp.resolve("exp.conf"), text);
    }

    private Path npz(Map<String, NDArray> arrays) throws IOException {
        Path p = tmp.resolve("in.npz");
        NpzFiles.write(p, arrays);
        return p;
    }

    private Map<String, NDArray> logits(long n, long ks, long kt) {
        Map<String, NDArray> m = new LinkedHashMap<>();
        m.put("student.logits", manager.randomNormal(new Shape(n, ks)));
        m.put("teacher.logits", manager.randomNormal(new Shape(n, kt)));
        return m;
    }

    private static void assertBadInput(CliRun r, String... fragments) {
        assertEquals(DistillCli.BAD_INPUT, r.code(), () -> "exit code; stderr: " + r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), () -> "stderr should contain '" + f + "':\n" + r.err());
        }
        assertTrue(!r.err().contains("\tat "), () -> "no stack trace expected:\n" + r.err());
    }

    @Test
    void pluginsListsEveryLossWithJarVersionsAndOptions() {
        CliRun r = distill("plugins");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*loss\\s+kd\\s+logits\\s+distill4j-plugin-logits\\s+\\S+\\s+1\\.2\\s+\\S*plugin-logits\\S*.*"), r.out());
        assertTrue(r.out().contains("temperature  double  4.0        > 0"), r.out());
        assertTrue(r.out().contains("batchmean | mean | sum"), r.out());
        assertTrue(r.out().contains("adapter  identity"), r.out());
    }

    @Test
    void checkPrintsTheResolvedPlan() {
        CliRun r = distill("check", KD_CONF.toString(), "--inputs", KD_INPUTS.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*logits\\s+logits -> logits\\s+-\\s+kd\\s+kd\\s+0\\.5\\s+constant\\s+temperature=2\\.0, reduction=batchmean.*"), r.out());
        assertTrue(r.out().contains("OK, 1 pair(s), 1 term(s), task-loss weight 1.0, fits"), r.out());
    }

    /** KD through the whole CLI matches the PyTorch reference written by tools/golden/generate.py. */
    @Test
    void evalMatchesThePyTorchReference() throws IOException {
        Path out = tmp.resolve("out.npz");
        CliRun r = distill("eval", KD_CONF.toString(), KD_INPUTS.toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, NDArray> got = NpzFiles.read(out, manager);
        Map<String, NDArray> expected = NpzFiles.read(KD_EXPECTED, manager);
        for (String key : expected.keySet()) {
            assertClose(expected.get(key), got.get(key), key);
        }
        assertTrue(got.containsKey("weighted.logits.kd"));
        assertTrue(r.out().contains("total: "), r.out());
    }

    /** DKD's targets through eval, as class indices and as a one-hot matrix, against the golden references. */
    @Test
    void evalTakesDkdTargetsAsIndicesOrMatrix() throws IOException {
        Path c = conf("distill4j.pairs = [ { name = logits, student = logits, "
                + "losses = [ { type = dkd, temperature = 4, warmup = 0 } ] } ]\n");
        for (String golden : new String[] {"dkd_64x100_T4", "dkd_64x100_onehot", "dkd_16x10_soft"}) {
            Path in = REPO.resolve("plugin-logits/src/test/resources/golden/dkd/" + golden + ".npz");
            evalAgainstGolden(c, in, "logits.dkd", "logits");
        }
    }

    /** What {@link #evalAgainstGolden} ran, and how many trainable parameters' gradients it compared. */
    private record GoldenEval(CliRun run, int parameterGradients) {}

    /**
     * Runs {@code distill eval} on a golden case and compares, with {@link #assertClose}, its loss
     * ({@code loss.<term>}), the student's gradient ({@code grad.student.<tensor>}) and every
     * {@code expected.grad.param.*} the case holds.
     */
    private GoldenEval evalAgainstGolden(Path conf, Path golden, String term, String studentTensor) throws IOException {
        Path out = tmp.resolve(golden.getFileName() + ".out.npz");
        CliRun r = distill("eval", conf.toString(), golden.toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, NDArray> reference = NpzFiles.read(golden, manager);
        Map<String, NDArray> got = NpzFiles.read(out, manager);
        String name = golden.getFileName().toString();
        assertClose(reference.get("expected.loss"), got.get("loss." + term), name + " loss");
        assertClose(reference.get("expected.grad.student"), got.get("grad.student." + studentTensor), name + " student gradient");
        int params = 0;
        for (String key : reference.keySet()) {
            if (key.startsWith("expected.grad.param.")) {
                String param = key.substring("expected.".length());
                assertClose(reference.get(key), got.get(param), name + " " + param);
                params++;
            }
        }
        return new GoldenEval(r, params);
    }

    /** fp32 parity: |a - e| <= 1e-7 + 1e-5 |e| elementwise. */
    private static void assertClose(NDArray expected, NDArray actual, String what) {
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-7 + 1e-5 * Math.abs(e[i]), what + "[" + i + "]");
        }
    }

    /** MGD through eval with the reference's generator weights and mask: loss, gradients and parameter gradients. */
    @Test
    void evalTakesTrainableWeightsAndMasksAndWritesTheirGradients() throws IOException {
        Path c = conf("distill4j { task-loss-weight = 0, pairs = [ { name = golden, student = features,\n"
                + "  adapters = [ { type = conv1x1 } ], losses = [ { type = mgd } ] } ] }\n");
        Path in = REPO.resolve("plugin-feature/src/test/resources/golden/mgd/mgd_aligned_4to8.npz");
        GoldenEval e = evalAgainstGolden(c, in, "golden.mgd", "features");
        assertFalse(e.run().err().contains("random initialisation"), e.run().err());
        assertEquals(6, e.parameterGradients(), "conv1x1 weight and bias, two generator convolutions' weights and biases");
    }

    @Test
    void evalNamesAnUnknownParameter() throws IOException {
        Map<String, NDArray> arrays = logits(4, 10, 10);
        arrays.put("param.logits.kd.weight", manager.ones(new Shape(2)));
        assertBadInput(distill("eval", KD_CONF.toString(), npz(arrays).toString()),
                "no trainable parameter 'logits.kd.weight'", "the plan has: none");
    }

    @Test
    void theSeedsMultiTaskConfigFitsFiveLevelsOfFeatures() {
        Path conf = REPO.resolve("samples/experiments/eval/featureloss.conf");
        Path in = REPO.resolve("plugin-feature/src/test/resources/golden/featureloss/featureloss_cwd.npz");
        CliRun r = distill("check", conf.toString(), "--inputs", in.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("level4") && r.out().contains("conv1x1 > batchnorm") && r.out().contains("5 pair(s), 5 term(s)"),
                r.out());
    }

    /** FGD through eval: boxes and image sizes from the .npz, the align/GcBlock weights, against the reference. */
    @Test
    void evalTakesBoxesAndImageSizesForFgd() throws IOException {
        Path c = conf("distill4j { task-loss-weight = 0, pairs = [ { name = golden, student = p, losses = [ { type = fgd } ] } ] }\n");
        Path in = REPO.resolve("plugin-detection/src/test/resources/golden/fgd/fgd_overlapping_defaults.npz");
        GoldenEval e = evalAgainstGolden(c, in, "golden.fgd", "p");
        assertEquals(16, e.parameterGradients(), "8 parameters in each of the student's and the teacher's GcBlocks");
    }

    private Map<String, NDArray> fpnInputs(boolean withBoxes) {
        Map<String, NDArray> a = new LinkedHashMap<>();
        for (int level = 3; level <= 5; level++) {
            long size = 64 >> level;
            a.put("student.fpn.p" + level, manager.randomNormal(new Shape(2, 8, size, size)));
            a.put("teacher.fpn.p" + level, manager.randomNormal(new Shape(2, 8, size, size)));
        }
        if (withBoxes) {
            a.put("boxes", manager.create(new float[] {4, 4, 40, 30, 20, 10, 60, 50, 0, 0, 0, 0,
                    10, 30, 30, 62, 0, 0, 0, 0, 0, 0, 0, 0}, new Shape(2, 3, 4)));
            a.put("image_sizes", manager.create(new float[] {64, 64, 64, 64}, new Shape(2, 2)));
        }
        return a;
    }

    @Test
    void theShippedFpnExperimentRunsOnThreeLevelsWithBoxes() throws IOException {
        Path fpn = REPO.resolve("samples/experiments/eval/fgd-fpn.conf");
        CliRun r = distill("eval", fpn.toString(), npz(fpnInputs(true)).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*p3\\s+fgd.*p4\\s+fgd.*p5\\s+fgd.*total: \\d.*"), r.out());
    }

    @Test
    void fgdOnABatchWithoutBoxesNamesThePair() throws IOException {
        Path fpn = REPO.resolve("samples/experiments/eval/fgd-fpn.conf");
        assertBadInput(distill("eval", fpn.toString(), npz(fpnInputs(false)).toString()),
                "pair 'p3', term 'fgd'", "needs ground-truth boxes");
    }

    /** The benchmark harness runs every case of the PyTorch baseline and reports it in the baseline's format. */
    @Test
    void benchReportsEveryLossOfTheBaseline() {
        CliRun r = distill("bench", "--warmup", "0", "--warmup-seconds", "0", "--iterations", "1");
        assertEquals(0, r.code(), r.err());
        for (String name : new String[] {"kd[64x100]", "dkd[64x100]", "dist[64x100]", "kd[256x1000]", "dkd[256x1000]",
            "dist[256x1000]", "kd[64x10 T2]", "mimic[yolo5lvl b8]", "cwd[yolo5lvl b8]", "mgd[yolo3lvl b8]", "tat[r18 layer4 b64]"}) {
            assertTrue(r.out().matches("(?s).*" + java.util.regex.Pattern.quote(name) + "\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\n.*"),
                    name + " missing:\n" + r.out());
        }
    }

    /**
     * The loss bench's op profile holds exactly the window's runs: KD computes two log-softmaxes a run
     * (the teacher's and the student's), so timed runs 2-3 of kd[64x100] are 4 of them in its trace.
     */
    @Test
    void benchOpProfileRecordsTheWindowsRunsOfEachCase() throws IOException {
        CliRun r = distill("bench", "--only", "^kd\\[64x100", "--warmup", "0", "--warmup-seconds", "0", "--iterations", "4",
                "--op-profile", "2:2");
        assertEquals(0, r.code(), r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("op profiles of timed runs 2-3: (\\S+)/op-profile-<case>.json")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        Path trace = Path.of(m.group(1)).resolve("op-profile-kd-64x100.json");
        String json = Files.readString(trace);
        assertEquals(4, json.split("\"name\": ?\"aten::log_softmax\"", -1).length - 1, trace.toString());
        try (var s = Files.list(trace.getParent())) {
            assertEquals(List.of(trace.getFileName().toString()), s.map(p -> p.getFileName().toString()).toList(),
                    "one case, one trace, no temporary file left");
        }
    }

    @Test
    void benchRefusesOptionsItCannotRunWith() {
        assertBadInput(distill("bench", "--iterations", "0"), "--iterations and --steps must be at least 1");
        assertBadInput(distill("bench", "--only", "kd["), "--only 'kd[' is not a regular expression");
    }

    /** The overhead bench runs both sides on the realistic multi-term experiment and prints their ratio. */
    @Test
    void overheadBenchReportsBothMediansAndTheirRatio() {
        CliRun r = distill("bench", "--overhead", "--warmup", "0", "--warmup-seconds", "0", "--iterations", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("7 terms on 3 pairs")
                && r.out().matches("(?s).*Distiller median [\\d.]+ ms, terms by hand median [\\d.]+ ms, ratio [\\d.]+ \\([+-][\\d.]+%\\).*"),
                r.out());
    }

    @Test
    void shippedLogitExperimentsAreValid() {
        for (String name : new String[] {"kd", "dkd", "dist"}) {
            CliRun r = distill("check", REPO.resolve("samples/experiments/" + name + ".conf").toString());
            assertEquals(0, r.code(), name + ": " + r.err());
        }
    }

    @Test
    void unknownLossNamesFileLineAndSuggests() throws IOException {
        Path c = conf("distill4j.pairs = [ { name = logits, student = logits,\n  losses = [ { type = kdd } ] } ]\n");
        assertBadInput(distill("check", c.toString()), c + ":2", "unknown loss type 'kdd'", "did you mean 'kd'?");
    }

    @Test
    void badOptionValuesAreAllReportedWithTheirLines() throws IOException {
        Path c = conf("distill4j.pairs = [ { name = logits, student = logits, losses = [\n"
                + "  { type = kd, temperature = 0 }\n"
                + "  { type = kd, name = kd2, temperature = hot, reduction = avg, tmperature = 3 } ] } ]\n");
        CliRun r = distill("eval", c.toString(), KD_INPUTS.toString());
        assertBadInput(r, "4 problems", c + ":2: option 'temperature' of loss 'kd' must be > 0, got 0",
                c + ":3: option 'temperature' of loss 'kd' must be a number", c + ":3: option 'reduction' of loss 'kd' must be one of",
                c + ":3: unknown option 'tmperature'");
    }

    @Test
    void missingFeatureNamesThePair() throws IOException {
        Path c = conf("distill4j.pairs = [ { name = head, student = logitz, teacher = logits, losses = [ { type = kd } ] } ]\n");
        assertBadInput(distill("eval", c.toString(), KD_INPUTS.toString()),
                "pair 'head' names student feature 'logitz'", "did you mean 'logits'?");
    }

    @Test
    void shapeMismatchNamesThePairAndBothShapes() throws IOException {
        Path in = npz(logits(4, 10, 12));
        assertBadInput(distill("eval", KD_CONF.toString(), in.toString()), "pair 'logits'", "(4, 10)", "(4, 12)");
    }

    @Test
    void unreadableOrMalformedNpzIsNamed() throws IOException {
        Path text = Files.writeString(tmp.resolve("notes.npz"), "not an archive");
        assertBadInput(distill("eval", KD_CONF.toString(), text.toString()), text + ": not an .npz archive");
        Path truncated = tmp.resolve("truncated.npz");
        byte[] whole = Files.readAllBytes(KD_INPUTS);
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertBadInput(distill("eval", KD_CONF.toString(), truncated.toString()), truncated + ": malformed .npz archive");
        assertBadInput(distill("eval", KD_CONF.toString(), tmp.resolve("absent.npz").toString()), "absent.npz: no such file");
    }

    @Test
    void aFailingEvalLeavesAnEarlierOutputUntouched() throws IOException {
        Path out = tmp.resolve("out.npz");
        assertEquals(0, distill("eval", KD_CONF.toString(), KD_INPUTS.toString(), "-o", out.toString()).code());
        byte[] before = Files.readAllBytes(out);
        Path bad = npz(logits(4, 10, 12));
        assertBadInput(distill("eval", KD_CONF.toString(), bad.toString(), "-o", out.toString()), "pair 'logits'");
        assertArrayEquals(before, Files.readAllBytes(out));
    }

    @Test
    void brokenPluginJarWarnsAndStrictMakesItFatal() throws IOException {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Files.write(plugins.resolve("broken.jar"), new byte[] {'P', 'K', 3, 4, 9, 9, 9});
        CliRun lenient = distill("--plugins-dir", plugins.toString(), "plugins");
        assertEquals(0, lenient.code(), lenient.err());
        assertTrue(lenient.err().contains("warning: " + plugins.resolve("broken.jar") + ": corrupt jar"), lenient.err());
        assertTrue(lenient.out().contains("loss     kd"), "the other plugins still load");
        assertBadInput(distill("--plugins-dir", plugins.toString(), "--strict", "plugins"),
                "error: " + plugins.resolve("broken.jar") + ": corrupt jar", "failed to load (--strict)");
    }

    @Test
    void usageErrorsExitWithTwo() {
        CliRun r = distill("eval", KD_CONF.toString());
        assertEquals(DistillCli.BAD_INPUT, r.code());
        assertTrue(r.err().contains("Missing required parameter"), r.err());
    }
}
