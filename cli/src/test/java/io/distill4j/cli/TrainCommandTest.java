package io.distill4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.distill4j.cli.train.TappedNet;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** distill train, resume and export, on tiny settings so the whole pipeline runs in seconds. */
class TrainCommandTest {
    static final Path EXPERIMENTS = CliTest.REPO.resolve("samples/experiments");

    /** One teacher cache for the class: the teacher is trained once, as in real use. */
    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    static CliRun distill(String... args) {
        return CliRun.of(shared.resolve("no-plugins"), args);
    }

    /** A shipped experiment with tiny training settings over it (the file as a user would write one). */
    private Path tiny(String experiment, int epochs) throws IOException {
        String teachers = experiment.equals("two-teachers") ? "teachers { big.epochs = 1, small.epochs = 1 }" : "teacher { epochs = 1 }";
        return Files.writeString(tmp.resolve(experiment + ".conf"), "include \"" + EXPERIMENTS.resolve(experiment + ".conf")
                + "\"\ntrain { epochs = " + epochs + ", batch-size = 32, data { train-size = 256, test-size = 128, image-size = 28 }, "
                + teachers + ", output = \"" + tmp.resolve("runs") + "\", cache = \"" + shared.resolve("cache") + "\" }\n");
    }

    @BeforeAll
    static void quietProgressBars() {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void everyShippedExperimentTrainsFromConfigAlone() throws IOException {
        List<String> names = List.of("kd", "dkd", "dist", "features", "tat", "fgd", "combined", "two-teachers");
        List<String> args = new ArrayList<>(List.of("train"));
        for (String n : names) {
            args.add(tiny(n, 1).toString());
        }
        CliRun r = distill(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("EXPERIMENT") && r.out().contains("DELTA"), "a comparison table: " + r.out());
        for (String n : names) {
            Path run = tmp.resolve("runs").resolve(n);
            assertTrue(Files.isRegularFile(run.resolve("chart.png")), n + ": chart");
            assertTrue(Files.isRegularFile(run.resolve("checkpoints/epoch-001/student.params")), n + ": checkpoint");
            String header = Files.readAllLines(run.resolve("steps.csv")).get(0);
            assertTrue(header.startsWith("epoch,step,total,task,") && header.endsWith(".weighted"), n + ": " + header);
            assertTrue(r.out().contains("\n" + n + "\n"), n + " has a final table: " + r.out());
        }
        Path features = tmp.resolve("runs/features/checkpoints/epoch-001");
        assertTrue(Files.size(features.resolve("parameters.ndlist")) > Files.size(features.resolve("student.params")),
                "the trainable parts are checkpointed with the student");
    }

    @Test
    void opProfileWritesATracePerTrainedRunAndRefusesAWindowPastTheLastStep() throws IOException {
        // 256 samples in batches of 32: 8 steps an epoch, 2 epochs. The teacher is cached by now or trained here.
        Path conf = tiny("kd", 2);
        CliRun r = distill("train", conf.toString(), "--op-profile", "3:2");
        assertEquals(0, r.code(), r.err());
        Path run = tmp.resolve("runs/kd");
        for (String trace : List.of("op-profile-student-alone.json", "op-profile-student-distilled.json")) {
            String text = Files.readString(run.resolve(trace));
            assertTrue(text.contains("ConvolutionBackward0"), trace);
        }
        assertTrue(r.err().contains("student distilled: op profile of training steps 3-4 in " + run.resolve(
                "op-profile-student-distilled.json")), r.err());

        for (String bad : List.of("0:5", "3", "a:b", "3:0")) {
            CliRun refused = distill("train", conf.toString(), "--op-profile", bad);
            assertEquals(DistillCli.BAD_INPUT, refused.code(), bad + ": " + refused.err());
            assertTrue(refused.err().contains("--op-profile " + bad + ": give FIRST:STEPS"), refused.err());
        }
        CliRun past = distill("train", conf.toString(), "--op-profile", "15:3");
        assertEquals(DistillCli.BAD_INPUT, past.code(), past.err());
        assertTrue(past.err().contains("--op-profile 15:3: the student's runs of kd have 16 training steps (2 epochs of 8)"),
                past.err());
        assertTrue(!past.err().contains("student alone 1/"), "refused before training: " + past.err());
        // the earlier run's traces went aside with its log, not left to read as the refused run's
        assertTrue(!Files.exists(run.resolve("op-profile-student-distilled.json")), "moved aside");
    }

    /**
     * How often the chart is drawn changes how a run is watched, not what it computes: a run drawn after
     * every epoch resumes with another interval (the checkpoints' fingerprint leaves it out).
     */
    @Test
    void theChartIntervalIsNotPartOfWhatARunIs() throws IOException {
        Path first = Files.writeString(tmp.resolve("kd.conf"), Files.readString(tiny("kd", 1)) + "train.chart-every = 0\n");
        CliRun r = distill("train", first.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(tmp.resolve("runs/kd/chart.png")));
        Path later = Files.writeString(Files.createDirectories(tmp.resolve("later")).resolve("kd.conf"),
                "include \"" + first + "\"\ntrain { epochs = 2, chart-every = 30 }\n");
        CliRun resumed = distill("train", later.toString(), "--resume");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("student distilled: resumed after epoch 1"), resumed.err());
    }

    /** A run that stopped after its profiled student-alone run left a trace and nothing else: it goes aside too. */
    @Test
    void anEarlierRunsLoneTraceGoesAsideToo() throws IOException {
        Path conf = tiny("kd", 2);
        Path run = Files.createDirectories(tmp.resolve("runs/kd"));
        Files.writeString(run.resolve("op-profile-student-alone.json"), "{\"traceEvents\": []}");
        CliRun refused = distill("train", conf.toString(), "--op-profile", "15:3"); // refused before training, after preparing
        assertEquals(DistillCli.BAD_INPUT, refused.code(), refused.err());
        assertFalse(Files.exists(run.resolve("op-profile-student-alone.json")), "left to read as the new run's");
        try (var aside = Files.list(run.resolve("previous"))) {
            Path earlier = aside.findFirst().orElseThrow();
            assertEquals("{\"traceEvents\": []}", Files.readString(earlier.resolve("op-profile-student-alone.json")));
        }
    }

    @Test
    void twoTeachersAreEachTrainedCachedAndReported() throws IOException {
        CliRun r = distill("train", tiny("two-teachers", 1).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().indexOf("  teacher big ") >= 0 && r.out().indexOf("  teacher small ") > r.out().indexOf("  teacher big "),
                "each teacher, in the file's order: " + r.out());
        String header = Files.readAllLines(tmp.resolve("runs/two-teachers/steps.csv")).get(0);
        assertTrue(header.contains("big-logits.kd.raw") && header.contains("small-stage3.mimic.raw"), header);
        CliRun again = distill("train", tiny("two-teachers", 1).toString());
        assertTrue(again.err().contains("teacher big: loaded from") && again.err().contains("teacher small: loaded from"),
                again.err());
    }

    /** Wrong teachers are found from the config, before any teacher trains: one message each, with file and line. */
    @Test
    void badTeachersAreReportedBeforeAnyTraining() throws IOException {
        String train = "train { epochs = 1, output = \"" + tmp.resolve("runs") + "\", cache = \"" + tmp.resolve("fresh-cache") + "\", "
                + "data { train-size = 64, test-size = 32 } }\n";
        Path twice = Files.writeString(tmp.resolve("twice.conf"), "distill4j.pairs = [ { name = l, student = logits, "
                + "teacher = big.logits, losses = [ { type = kd } ] } ]\n" + train
                + "train.teachers {\n  big { width = 16 }\n  small { arch = cnn }\n  big { arch = cnn }\n}\n");
        CliRun dup = distill("train", twice.toString());
        assertEquals(DistillCli.BAD_INPUT, dup.code(), dup.err());
        assertTrue(dup.err().contains(twice + ":4: teacher 'big' is declared more than once (lines 4-6)"), dup.err());

        Path unknown = Files.writeString(tmp.resolve("unknown.conf"), "distill4j.pairs = [\n { name = l, student = logits,"
                + " teacher = bgi.logits, losses = [ { type = kd } ] } ]\n" + train
                + "train.teachers { big { width = 16 }, small { arch = cnn } }\n");
        CliRun none = distill("train", unknown.toString());
        assertEquals(DistillCli.BAD_INPUT, none.code(), none.err());
        assertTrue(none.err().contains(unknown + ":2:") && none.err().contains("bgi.logits")
                && none.err().contains("did you mean 'big.logits'"), none.err());
        assertTrue(!none.err().contains("trained and cached"), "nothing trained: " + none.err());

        Path self = Files.writeString(tmp.resolve("self.conf"), "distill4j.pairs = [\n { name = s, student = stage2,"
                + " teacher = student.stage2, losses = [ { type = mimic } ] } ]\n" + train);
        CliRun same = distill("train", self.toString());
        assertEquals(DistillCli.BAD_INPUT, same.code(), same.err());
        assertTrue(same.err().contains(self + ":2: pair 's' takes student 'stage2' as its own teacher"), same.err());

        Path both = Files.writeString(tmp.resolve("both.conf"), "include \"" + unknown + "\"\ntrain.teacher.width = 8\n");
        CliRun two = distill("train", both.toString());
        assertEquals(DistillCli.BAD_INPUT, two.code(), two.err());
        assertTrue(two.err().contains("train.teacher and train.teachers are both set"), two.err());
        assertTrue(!Files.exists(tmp.resolve("fresh-cache")) || Files.list(tmp.resolve("fresh-cache")).findAny().isEmpty(),
                "no teacher was cached");
    }

    @Test
    void oneFailingExperimentDoesNotLoseTheOthers() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty-mnist"));
        Path broken = Files.writeString(tmp.resolve("broken.conf"), "include \"" + tiny("kd", 1) + "\"\n"
                + "train.data { source = mnist, path = \"" + empty + "\" }\n");
        CliRun r = distill("train", broken.toString(), tiny("dist", 1).toString());
        assertEquals(DistillCli.BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("error: broken: " + empty), r.err());
        assertTrue(r.out().contains("\ndist\n"), "the next experiment still trains: " + r.out());
        assertTrue(r.out().matches("(?s).*EXPERIMENT.*\ndist\\s+\\S+%.*\nbroken\\s+failed: " + java.util.regex.Pattern.quote(empty.toString()) + ".*"),
                "the comparison lists both: " + r.out());
    }

    @Test
    void resumeContinuesFromTheLastCompleteCheckpointAsIfNeverInterrupted() throws IOException {
        // mgd: its trainable generators have momentum too, and it draws random masks at every step.
        Path conf = tiny("features", 3);
        CliRun first = distill("train", conf.toString());
        assertEquals(0, first.code(), first.err());
        Path run = tmp.resolve("runs/features");
        Path checkpoints = run.resolve("checkpoints");
        List<String> fullLog = Files.readAllLines(run.resolve("steps.csv"));
        byte[] student = Files.readAllBytes(checkpoints.resolve("epoch-003/student.params"));
        byte[] all = Files.readAllBytes(checkpoints.resolve("epoch-003/parameters.ndlist"));
        byte[] momentum = Files.readAllBytes(checkpoints.resolve("epoch-003/optimizer.ndlist"));
        // A run killed during epoch 2: its checkpoint never completed, a half-written one is left over.
        deleteTree(checkpoints.resolve("epoch-003"));
        deleteTree(checkpoints.resolve("epoch-002"));
        Path partial = Files.createDirectories(checkpoints.resolve(".epoch-2-12345"));
        Files.writeString(partial.resolve("student.params"), "half");

        CliRun resumed = distill("train", "--resume", conf.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("student distilled: resumed after epoch 1"), resumed.err());
        assertTrue(!resumed.err().contains("student distilled: epoch 1/3"), "epoch 1 is not trained again");
        // Weights, parts, momentum, batch order and masks restored: the same steps, bit for bit.
        assertEquals(fullLog, Files.readAllLines(run.resolve("steps.csv")), "the resumed log is the uninterrupted one");
        assertTrue(java.util.Arrays.equals(student, Files.readAllBytes(checkpoints.resolve("epoch-003/student.params"))),
                "the resumed student ends as the uninterrupted one");
        assertTrue(java.util.Arrays.equals(all, Files.readAllBytes(checkpoints.resolve("epoch-003/parameters.ndlist"))),
                "the resumed student and distillation parts end as the uninterrupted ones");
        assertTrue(java.util.Arrays.equals(momentum, Files.readAllBytes(checkpoints.resolve("epoch-003/optimizer.ndlist"))),
                "the resumed momentum ends as the uninterrupted one");
    }

    @Test
    void exportWritesTheStudentAloneLoadableByDjl() throws IOException, ai.djl.MalformedModelException {
        Path conf = tiny("features", 1);
        assertEquals(0, distill("train", conf.toString()).code());
        Path exported = tmp.resolve("student.params");
        CliRun r = distill("export", conf.toString(), "-o", exported.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(Path.of(exported + ".properties")));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomUniform(0, 1, new Shape(4, 1, 28, 28));
            NDArray a = load(m, exported).forward(new ParameterStore(m, false), new NDList(x), false).get(0);
            Path checkpoint = tmp.resolve("runs/features/checkpoints/epoch-001/student.params");
            NDArray b = load(m, checkpoint).forward(new ParameterStore(m, false), new NDList(x), false).get(0);
            assertEquals(0f, a.sub(b).abs().max().getFloat(), "the exported student is the checkpoint's");
            // Against the checkpoint's whole parameter file, which holds the adapters and generators too:
            // the export holds exactly the student's parameters and none of those.
            ai.djl.ndarray.NDList all = ai.djl.ndarray.NDList.decode(m,
                    Files.readAllBytes(tmp.resolve("runs/features/checkpoints/epoch-001/parameters.ndlist")));
            List<String> parts = all.stream().map(NDArray::getName).filter(n -> !n.startsWith("01student_")).toList();
            assertTrue(parts.stream().anyMatch(n -> n.contains("conv1x1")) && parts.stream().anyMatch(n -> n.contains("mgd")),
                    "the checkpoint holds the distillation's parts: " + parts);
            TappedNet fresh = TappedNet.cnn(4, 10);
            fresh.initialize(m, DataType.FLOAT32, new Shape(1, 1, 28, 28));
            assertEquals(all.size() - parts.size(), fresh.getParameters().size(), "the rest is the student");
            assertTrue(Files.size(exported) < Files.size(tmp.resolve("runs/features/checkpoints/epoch-001/parameters.ndlist")));
            io.distill4j.runtime.ParameterFiles.read(fresh, exported, m, "the exported student"); // every array, each its shape
        }
    }

    /**
     * Files that do not hold what the run needs are named, never loaded: a checkpoint of a student of
     * another width (DJL would load it, the parameter names being the same), and a teacher cache cut short.
     */
    @Test
    void aCheckpointOfAnotherStudentOrATruncatedTeacherIsNamed() throws IOException {
        Path conf = tiny("kd", 1);
        assertEquals(0, distill("train", conf.toString()).code());
        // The same experiment name (the file's), so the same run folder, with a wider student.
        Path wider = Files.writeString(Files.createDirectories(tmp.resolve("wider")).resolve("kd.conf"),
                "include \"" + conf + "\"\ntrain.student.width = 8\n");
        CliRun export = distill("export", wider.toString(), "-o", tmp.resolve("wide.params").toString());
        assertEquals(DistillCli.BAD_INPUT, export.code(), export.err());
        assertTrue(export.err().contains("student.params: not a checkpoint of this experiment's student (parameter '")
                && export.err().contains("has shape"), export.err());
        CliRun resume = distill("train", wider.toString(), "--resume");
        assertEquals(DistillCli.BAD_INPUT, resume.code(), resume.err());
        // Resume refuses it before training anything: the checkpoints are of another student (their fingerprint).
        assertTrue(resume.err().contains("state.properties: a checkpoint of another experiment or data (fingerprint ")
                && !resume.err().contains("teacher:"), resume.err());

        Path cache = tmp.resolve("cache");
        Path cut = Files.writeString(tmp.resolve("cut.conf"), "include \"" + conf + "\"\ntrain.cache = \"" + cache + "\"\n");
        assertEquals(0, distill("train", cut.toString()).code());
        try (Stream<Path> files = Files.list(cache)) {
            for (Path teacher : files.filter(f -> f.toString().endsWith(".params")).toList()) {
                byte[] whole = Files.readAllBytes(teacher);
                Files.write(teacher, Arrays.copyOf(whole, whole.length / 2));
            }
        }
        CliRun truncated = distill("train", cut.toString());
        assertEquals(DistillCli.BAD_INPUT, truncated.code(), truncated.err());
        assertTrue(truncated.err().contains(".params: its checksum does not match ") && truncated.err().contains("delete it to retrain")
                && !truncated.err().contains("internal error"), truncated.err());
    }

    private static TappedNet load(NDManager m, Path params) throws IOException, ai.djl.MalformedModelException {
        TappedNet net = TappedNet.cnn(4, 10);
        net.initialize(m, DataType.FLOAT32, new Shape(1, 1, 28, 28));
        try (DataInputStream in = new DataInputStream(Files.newInputStream(params))) {
            net.loadParameters(m, in);
        }
        return net;
    }

    @Test
    void badTrainSettingsAreAllReportedWithTheirLines() throws IOException {
        Path conf = Files.writeString(tmp.resolve("bad.conf"), "include \"" + EXPERIMENTS.resolve("kd.conf") + "\"\n"
                + "train {\n  epochs = 0\n  data { sorce = mnist }\n  student { arch = vgg }\n}\n");
        CliRun r = distill("train", conf.toString());
        assertEquals(DistillCli.BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains(conf + ":3: option 'epochs' of train must be >= 1, got 0"), r.err());
        assertTrue(r.err().contains(conf + ":4: unknown option 'sorce' for train.data; did you mean 'source'?"), r.err());
        assertTrue(r.err().contains(conf + ":5: option 'arch' of train.student must be one of resnet | cnn"), r.err());
    }

    @Test
    void aMissingOrCorruptDatasetIsAClearError() throws IOException {
        Path conf = Files.writeString(tmp.resolve("mnist.conf"), "include \"" + EXPERIMENTS.resolve("kd.conf") + "\"\n"
                + "train { data { source = mnist, path = \"" + tmp.resolve("nowhere") + "\" } }\n");
        CliRun missing = distill("train", conf.toString());
        assertEquals(DistillCli.BAD_INPUT, missing.code(), missing.err());
        assertTrue(missing.err().contains(tmp.resolve("nowhere") + ": no such dataset folder"), missing.err());

        Path dir = Files.createDirectories(tmp.resolve("mnist"));
        Files.write(dir.resolve("train-images-idx3-ubyte"), new byte[] {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2});
        Files.write(dir.resolve("train-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5});
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), new byte[] {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28});
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
        Path conf2 = Files.writeString(tmp.resolve("mnist2.conf"), "include \"" + EXPERIMENTS.resolve("kd.conf") + "\"\n"
                + "train { data { source = mnist, path = \"" + dir + "\" } }\n");
        CliRun truncated = distill("train", conf2.toString());
        assertEquals(DistillCli.BAD_INPUT, truncated.code(), truncated.err());
        assertTrue(truncated.err().contains("train-images-idx3-ubyte: truncated"), truncated.err());
    }

    /** A small image-folder tree: two classes of coloured squares, as PNG files. */
    private Path imageFolder() throws IOException {
        Path root = tmp.resolve("images");
        java.util.Random r = new java.util.Random(3);
        for (String split : new String[] {"train", "test"}) {
            for (String cls : new String[] {"blue", "red"}) {
                Path dir = Files.createDirectories(root.resolve(split).resolve(cls));
                for (int i = 0; i < 12; i++) {
                    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(20, 20, java.awt.image.BufferedImage.TYPE_INT_RGB);
                    java.awt.Graphics2D g = img.createGraphics();
                    g.setColor(cls.equals("red") ? new java.awt.Color(200 + r.nextInt(55), 0, 0) : new java.awt.Color(0, 0, 200 + r.nextInt(55)));
                    g.fillRect(r.nextInt(8), r.nextInt(8), 10, 10);
                    g.dispose();
                    javax.imageio.ImageIO.write(img, "png", dir.resolve(i + ".png").toFile());
                }
            }
        }
        return root;
    }

    @Test
    void trainsOnAnImageFolderTree() throws IOException {
        Path root = imageFolder();
        Path conf = Files.writeString(tmp.resolve("folder.conf"), "include \"" + EXPERIMENTS.resolve("kd.conf") + "\"\n"
                + "train { epochs = 1, batch-size = 8, output = \"" + tmp.resolve("runs") + "\", cache = \"" + tmp.resolve("cache")
                + "\", teacher { epochs = 1, width = 4 }, data { source = folder, path = \"" + root + "\", channels = 3, image-size = 16 } }\n");
        CliRun r = distill("train", conf.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("student distilled"), r.out());
        Path exported = tmp.resolve("folder-student.params");
        assertEquals(0, distill("export", conf.toString(), "-o", exported.toString()).code());
        assertTrue(Files.readString(Path.of(exported + ".properties")).contains("classes=2"));

        Files.writeString(root.resolve("train/red/broken.png"), "not a png");
        CliRun broken = distill("train", conf.toString());
        assertEquals(DistillCli.BAD_INPUT, broken.code(), broken.err());
        assertTrue(broken.err().contains("broken.png: not an image") || broken.err().contains("broken.png: cannot read"),
                broken.err());
    }

    @Test
    void aTorchScriptTeacherReturnsItsFeaturesAsExtraOutputs() throws IOException {
        Path teacher = CliTest.REPO.resolve("cli/src/test/resources/torchscript-teacher.pt");
        String pairs = "distill4j.pairs = [ { name = logits, student = logits, teacher = logits, losses = [ { type = kd } ] },\n"
                + "  { name = s2, student = stage2, teacher = stage2, adapters = [ { type = conv1x1 } ], losses = [ { type = mimic } ] } ]\n";
        String train = "train { epochs = 1, batch-size = 32, output = \"" + tmp.resolve("runs") + "\", "
                + "data { train-size = 256, test-size = 128 }, teacher { torchscript = \"" + teacher + "\" OUTPUTS } }\n";
        Path conf = Files.writeString(tmp.resolve("scripted.conf"), pairs + train.replace(" OUTPUTS", ""));
        CliRun r = distill("train", conf.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("teacher: TorchScript " + teacher), r.err());
        assertTrue(Files.readAllLines(tmp.resolve("runs/scripted/steps.csv")).get(0).contains("s2.mimic.raw"));

        Path wrongCount = Files.writeString(tmp.resolve("count.conf"),
                pairs + train.replace(" OUTPUTS", ", outputs = \"logits,stage1\""));
        CliRun bad = distill("train", wrongCount.toString());
        assertEquals(DistillCli.BAD_INPUT, bad.code(), bad.err());
        assertTrue(bad.err().contains("returns 4 tensors, but train.teacher.outputs names 2"), bad.err());

        Path tooMany = Files.writeString(tmp.resolve("five.conf"),
                pairs + train.replace(" OUTPUTS", ", outputs = \"logits,stage1,stage2,stage3,stage4\""));
        CliRun five = distill("train", tooMany.toString());
        assertEquals(DistillCli.BAD_INPUT, five.code(), five.err());
        assertTrue(five.err().contains("returns 4 tensors, but train.teacher.outputs names 5"), five.err());

        Path missing = Files.writeString(tmp.resolve("missing.conf"), pairs + train.replace(teacher.toString(),
                tmp.resolve("none.pt").toString()).replace(" OUTPUTS", ""));
        CliRun none = distill("train", missing.toString());
        assertEquals(DistillCli.BAD_INPUT, none.code(), none.err());
        assertTrue(none.err().contains("none.pt: no such TorchScript file"), none.err());
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
