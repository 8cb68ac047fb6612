package io.distill4j.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.SequenceSampler;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import ai.djl.util.PairList;
import io.distill4j.djl.CheckpointableSgd;
import io.distill4j.runtime.DistillBatch;
import io.distill4j.runtime.DistillResult;
import io.distill4j.runtime.DistillationParts;
import io.distill4j.runtime.Distiller;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.TermResult;
import io.distill4j.runtime.plan.DistillPlan;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * One experiment's training: the teacher (trained once per data and teacher settings, then loaded
 * from its cache), the student trained alone on the task, and the student distilled under the
 * experiment's plan, from the same seed, initialisation and batch order, so the difference is the
 * distillation's alone.
 */
public final class TrainJob {
    /** What a student checkpoint file should be, for messages naming it. */
    private static final String STUDENT_CHECKPOINT = "a checkpoint of this experiment's student";

    /** Test accuracy and wall time of one model, and its per-epoch statistics. */
    public record RunResult(String name, double accuracy, double seconds, List<Epoch> epochs) {}

    /** One epoch: mean task loss, mean weighted terms, mean total, and the test accuracy after it. */
    public record Epoch(int epoch, double task, Map<String, Double> terms, double total, double accuracy) {}

    /** What a run produced. */
    public record Outcome(String experiment, RunResult teacher, boolean teacherCached, RunResult alone,
                          RunResult distilled, Path output) {}

    private final String name;
    private final DistillPlan plan;
    private final TrainSettings settings;
    private final Path output;
    private final boolean resume;
    private final PrintWriter log;
    /**
     * Called after every step of the distilled run, with a count of the native arrays alive in the
     * long-lived managers: counting lists every array, so an observer asks only at the steps it samples.
     */
    public interface StepObserver {
        void afterStep(long step, IntSupplier liveArrays);
    }

    private StepObserver observer;
    /** Classes of the run's data, recorded in checkpoints so that export rebuilds the right head. */
    private int classes;
    private boolean distilledOnly;
    private NDManager root;

    /** Watches the distilled run step by step (the memory benchmark). */
    public TrainJob observe(StepObserver stepObserver) {
        this.observer = stepObserver;
        return this;
    }

    /** Skips the student-alone run (benchmarks that only need the distilled one). */
    public TrainJob distilledOnly() {
        this.distilledOnly = true;
        return this;
    }

    /** Models live until the job ends: the teacher's parameters are used after its training. */
    private final List<Model> models = new ArrayList<>();
    /** The training data's order, a function of the seed and the epoch. */
    private EpochShuffle shuffle;

    public TrainJob(String name, DistillPlan plan, TrainSettings settings, boolean resume, PrintWriter log) {
        this.name = name;
        this.plan = plan;
        this.settings = settings;
        this.output = settings.outputDir(name);
        this.resume = resume;
        this.log = log;
    }

    /** The experiment's name (its file name without {@code .conf}). */
    public String name() {
        return name;
    }

    public Outcome run() throws IOException {
        Files.createDirectories(output);
        Device device = device();
        int seed = settings.run.getInt("seed");
        try (NDManager root = NDManager.newBaseManager(device)) {
            this.root = root;
            Datasets.Data data = Datasets.load(settings.data, seed);
            shuffle = new EpochShuffle(seed);
            classes = data.classes();
            Datasets.Split tr = data.train();
            Shape input = new Shape(settings.run.getInt("batch-size"), tr.channels(), tr.size(), tr.size());
            ArrayDataset train = dataset(root, tr, true);
            ArrayDataset test = dataset(root, data.test(), false);

            Path cached = teacherCache().resolve(settings.teacherKey() + ".params");
            String torchscript = settings.teacher.getString("torchscript");
            Block teacher;
            List<String> teacherOutputs = TappedNet.OUTPUTS;
            RunResult teacherResult;
            boolean fromCache = Files.isRegularFile(cached);
            if (!torchscript.isBlank()) {
                Model scripted = loadTorchScript(Path.of(torchscript), device);
                teacher = scripted.getBlock();
                teacherOutputs = List.of(settings.teacher.getString("outputs").split("\\s*,\\s*"));
                fromCache = true;
                teacherResult = new RunResult("teacher", accuracy(teacher, test, root), 0, List.of());
                log.printf("teacher: TorchScript %s (test accuracy %.2f%%)%n", torchscript, 100 * teacherResult.accuracy());
            } else if (fromCache) {
                TappedNet cachedNet = net(settings.teacher, data.classes());
                teacher = cachedNet;
                cachedNet.initialize(root, DataType.FLOAT32, input);
                try {
                    DistillationParts.readParameters(cachedNet, cached, root, "a teacher of these settings");
                } catch (InvalidInputException e) {
                    throw new InvalidInputException(e.getMessage() + "; delete it to retrain");
                }
                cachedNet.freezeParameters(true);
                teacherResult = new RunResult("teacher", accuracy(teacher, test, root), 0, List.of());
                log.printf("teacher: loaded from %s (test accuracy %.2f%%)%n", cached, 100 * teacherResult.accuracy());
            } else {
                TappedNet trained = net(settings.teacher, data.classes());
                teacher = trained;
                Engine.getInstance().setRandomSeed(seed);
                teacherResult = fit("teacher", trained, null, null, List.of(), train, test, input, settings.teacher.getInt("epochs"),
                        (float) settings.teacher.getDouble("learning-rate"), null);
                DistillationParts.writeParameters(trained, cached);
                // From here the teacher only answers: no step should record a graph through it (the
                // cached teacher's arrays come without gradients, and the two runs should cost alike).
                trained.freezeParameters(true);
                log.printf("teacher: trained and cached in %s%n", cached);
            }

            Engine.getInstance().setRandomSeed(seed);
            RunResult alone = distilledOnly ? new RunResult("student alone", Double.NaN, 0, List.of()) : fit("student alone",
                    net(settings.student, data.classes()), null, null, List.of(), train, test, input,
                    settings.run.getInt("epochs"), (float) settings.run.getDouble("learning-rate"), null);

            TappedNet student = net(settings.student, data.classes());
            Map<String, Shape> studentShapes = shapes(student, input);
            Map<String, Shape> teacherShapes = teacher instanceof TappedNet tapped ? shapes(tapped, input)
                    : probeShapes(teacher, teacherOutputs, input, root);
            Distiller distiller = Distiller.create(plan, studentShapes, teacherShapes);
            Engine.getInstance().setRandomSeed(seed);
            RunResult distilled = fit("student distilled", student, distiller, teacher, teacherOutputs, train, test, input,
                    settings.run.getInt("epochs"), (float) settings.run.getDouble("learning-rate"), output);
            if (distiller.skippedTerms() > 0) {
                log.printf("note: %d non-finite term(s) were skipped (non-finite = skip)%n", distiller.skippedTerms());
            }
            return new Outcome(name, teacherResult, fromCache, alone, distilled, output);
        } catch (TranslateException e) {
            throw new IllegalStateException("batching the dataset failed: " + e.getMessage(), e);
        } finally {
            models.forEach(Model::close);
            models.clear();
        }
    }

    private Device device() {
        return device(settings.run.getString("device"), Engine.getInstance().getGpuCount());
    }

    /**
     * {@code auto}: the first GPU when the engine sees one (the CUDA build on a CUDA machine), else the
     * CPU; {@code gpu}: the GPU or a clear error; {@code cpu}: the CPU.
     */
    static Device device(String wanted, int gpus) {
        if (wanted.equals("gpu") && gpus == 0) {
            throw new InvalidInputException("train.device = gpu, but no GPU is visible to the engine (build with -Pcuda "
                    + "on a machine with CUDA), or set device = auto");
        }
        return wanted.equals("cpu") || gpus == 0 ? Device.cpu() : Device.gpu();
    }

    private Path teacherCache() {
        String dir = settings.run.getString("cache");
        return dir.isBlank() ? Path.of(System.getProperty("user.home"), ".cache", "distill4j", "teachers") : Path.of(dir);
    }

    static TappedNet net(io.distill4j.spi.Options o, int classes) {
        return o.getString("arch").equals("resnet") ? TappedNet.resnet(o.getInt("width"), classes)
                : TappedNet.cnn(o.getInt("width"), classes);
    }

    private static Map<String, Shape> shapes(TappedNet net, Shape input) {
        Shape[] out = net.getOutputShapes(new Shape[] {input});
        Map<String, Shape> m = new LinkedHashMap<>();
        for (int i = 0; i < out.length; i++) {
            m.put(TappedNet.OUTPUTS.get(i), out[i]);
        }
        return m;
    }

    /** A TorchScript teacher, kept open until the job ends. */
    private Model loadTorchScript(Path file, Device device) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file + ": no such TorchScript file (train.teacher.torchscript)");
        }
        Model model = Model.newInstance("teacher", device, "PyTorch");
        models.add(model);
        try {
            model.load(file.toAbsolutePath().getParent(), file.getFileName().toString());
        } catch (ai.djl.MalformedModelException | RuntimeException e) {
            throw new InvalidInputException(file + ": not a loadable TorchScript model (" + e.getMessage() + ")");
        }
        return model;
    }

    /** The shapes of a TorchScript teacher's outputs, by one forward pass; their count must match the names. */
    private static Map<String, Shape> probeShapes(Block teacher, List<String> names, Shape input, NDManager m) {
        try (NDManager probe = m.newSubManager()) {
            NDList out = teacher.forward(new ParameterStore(probe, false), new NDList(probe.zeros(input)), false);
            if (out.size() != names.size()) {
                throw new InvalidInputException("the TorchScript teacher returns " + out.size() + " tensors, but "
                        + "train.teacher.outputs names " + names.size() + ": " + names);
            }
            Map<String, Shape> shapes = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                shapes.put(names.get(i), out.get(i).getShape());
            }
            return shapes;
        }
    }

    /** Images, and as labels the classes, one box per image and the image sizes (for FGD); training data shuffled per epoch. */
    private ArrayDataset dataset(NDManager m, Datasets.Split s, boolean training) {
        float[] labels = new float[s.count()];
        float[] boxes = new float[s.count() * 4];
        float[] sizes = new float[s.count() * 2];
        for (int i = 0; i < s.count(); i++) {
            labels[i] = s.labels()[i];
            System.arraycopy(s.boxes()[i], 0, boxes, 4 * i, 4);
            sizes[2 * i] = s.size();
            sizes[2 * i + 1] = s.size();
        }
        return new ArrayDataset.Builder()
                .setData(m.create(s.images(), new Shape(s.count(), s.channels(), s.size(), s.size())))
                .optLabels(m.create(labels), m.create(boxes, new Shape(s.count(), 1, 4)), m.create(sizes, new Shape(s.count(), 2)))
                .setSampling(training ? new BatchSampler(shuffle, settings.run.getInt("batch-size"), true)
                        : new BatchSampler(new SequenceSampler(), settings.run.getInt("batch-size"), false))
                .build();
    }

    /** The student (or teacher) together with the distillation's trainable parts: what the optimizer trains. */
    private static final class Trainable extends AbstractBlock {
        private final TappedNet net;
        private final DistillationParts parts;

        Trainable(TappedNet net, DistillationParts parts) {
            super((byte) 1);
            this.net = addChildBlock("net", net);
            this.parts = parts == null || parts.isEmpty() ? null : addChildBlock("distill", parts);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
            return net.forward(ps, in, training);
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            net.initialize(manager, dataType, inputShapes);
            if (parts != null) {
                parts.initialize(manager, dataType);
            }
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return net.getOutputShapes(inputShapes);
        }
    }

    private RunResult fit(String label, TappedNet net, Distiller distiller, Block teacher, List<String> teacherOutputs,
                          ArrayDataset train,
                          ArrayDataset test, Shape input, int epochs, float lr, Path runDir)
            throws IOException, TranslateException {
        Loss ce = Loss.softmaxCrossEntropyLoss();
        Trainable block = new Trainable(net, distiller == null ? null : distiller.trainableParts());
        long t0 = System.nanoTime();
        List<Epoch> history = new ArrayList<>();
        Model model = Model.newInstance(label);
        models.add(model);
        BufferedWriter csv = null;
        try {
            model.setBlock(block);
            CheckpointableSgd sgd = CheckpointableSgd.of(lr, 0.9f, (float) settings.run.getDouble("clip-gradient"));
            DefaultTrainingConfig config = new DefaultTrainingConfig(ce).optOptimizer(sgd);
            int firstEpoch = 1;
            long step = 0;
            if (runDir != null && resume) {
                // Restored before the trainer exists: DJL's Trainer takes every parameter's array when it
                // initializes and would go on training those, not the ones loaded after it.
                block.initialize(model.getNDManager(), DataType.FLOAT32, input);
                Properties state = Checkpoints.restore(runDir, net, distiller, sgd, block, model.getNDManager());
                if (state != null) {
                    firstEpoch = Integer.parseInt(state.getProperty("epoch")) + 1;
                    step = Long.parseLong(state.getProperty("step"));
                    trimLog(runDir.resolve("steps.csv"), step);
                    log.printf("%s: resumed after epoch %d (step %d)%n", label, firstEpoch - 1, step);
                }
            }
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(input);
                // Opened after the restore, which may rewrite the log: a resumed run appends to the trimmed file.
                if (runDir != null) {
                    csv = Files.newBufferedWriter(runDir.resolve("steps.csv"), step > 0
                            ? new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.APPEND}
                            : new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING});
                }
                boolean header = csv != null && step == 0;
                for (int epoch = firstEpoch; epoch <= epochs; epoch++) {
                    Map<String, Double> sums = new LinkedHashMap<>();
                    double taskSum = 0;
                    double totalSum = 0;
                    int batches = 0;
                    try (ProgressBar bar = new ProgressBarBuilder().setTaskName(label + " " + epoch + "/" + epochs)
                            .setStyle(ProgressBarStyle.ASCII).setInitialMax(train.size() / settings.run.getInt("batch-size"))
                            .setUpdateIntervalMillis(1000).continuousUpdate().build()) {
                        shuffle.epoch(epoch);
                        for (Batch b : trainer.iterateDataset(train)) {
                            NDArray task;
                            DistillResult result = null;
                            float totalValue;
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDList out = trainer.forward(b.getData());
                                task = ce.evaluate(new NDList(b.getLabels().get(0)), new NDList(out.get(0)));
                                NDArray total = task;
                                if (distiller != null) {
                                    result = distiller.compute(distillBatch(b, out, teacher, teacherOutputs, task, step, epoch));
                                    total = result.total();
                                }
                                gc.backward(total);
                                totalValue = total.getFloat();
                                totalSum += totalValue;
                            }
                            trainer.step();
                            float taskValue = task.getFloat();
                            taskSum += taskValue;
                            if (result != null) {
                                // Each value leaves the device once: for the epoch means and the step log alike.
                                List<TermResult> terms = result.terms();
                                float[] raw = new float[terms.size()];
                                float[] weighted = new float[terms.size()];
                                for (int i = 0; i < raw.length; i++) {
                                    raw[i] = terms.get(i).raw().getFloat();
                                    weighted[i] = terms.get(i).weighted().getFloat();
                                    sums.merge(terms.get(i).key(), (double) weighted[i], Double::sum);
                                }
                                if (header) {
                                    csv.write(csvHeader(result));
                                    header = false;
                                }
                                csv.write(csvRow(epoch, step, totalValue, taskValue, raw, weighted));
                            }
                            if (observer != null && distiller != null) {
                                observer.afterStep(step, () -> root.getManagedArrays().size()
                                        + model.getNDManager().getManagedArrays().size());
                            }
                            bar.step();
                            bar.setExtraMessage(String.format(" loss %.4f", totalSum / (batches + 1)));
                            batches++;
                            step++;
                            b.close();
                        }
                    }
                    double acc = accuracy(net, test, model.getNDManager());
                    final int n = Math.max(batches, 1);
                    Map<String, Double> means = new LinkedHashMap<>();
                    sums.forEach((k, v) -> means.put(k, v / n));
                    history.add(new Epoch(epoch, taskSum / n, means, totalSum / n, acc));
                    log.printf("%s: epoch %d/%d  loss %.4f  test accuracy %.2f%%%n", label, epoch, epochs, totalSum / n, 100 * acc);
                    log.flush();
                    if (runDir != null) {
                        csv.flush();
                        Checkpoints.save(runDir, epoch, step, net, distiller, sgd, block, classes);
                    }
                }
            }
        } finally {
            if (csv != null) {
                csv.close();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double accuracy = history.isEmpty() ? accuracy(net, test, null) : history.get(history.size() - 1).accuracy();
        return new RunResult(label, accuracy, seconds, history);
    }

    /** Drops the log's rows from steps after the checkpoint, which the resumed run computes again. */
    private static void trimLog(Path csv, long fromStep) throws IOException {
        if (!Files.isRegularFile(csv)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) {
            String[] cells = line.split(",", 3);
            if (line.startsWith("epoch,") || (cells.length > 1 && Long.parseLong(cells[1]) < fromStep)) {
                kept.add(line);
            }
        }
        Path tmp = Files.createTempFile(csv.toAbsolutePath().getParent(), ".steps", ".csv");
        Files.write(tmp, kept);
        Files.move(tmp, csv, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes the last checkpoint's student alone (no adapters, generators or teacher) as a DJL parameter file. */
    public static Path export(String name, TrainSettings settings, Path target) throws IOException {
        Path runDir = settings.outputDir(name);
        Path last = Checkpoints.latest(runDir);
        if (last == null) {
            throw new InvalidInputException(runDir + ": no complete checkpoint to export; run distill train first");
        }
        int[] cs = Datasets.channelsAndSize(settings.data);
        Properties state = new Properties();
        try (var in = Files.newInputStream(last.resolve("state.properties"))) {
            state.load(in);
        }
        int classes = Integer.parseInt(state.getProperty("classes", "10"));
        TappedNet student = net(settings.student, classes);
        try (NDManager m = NDManager.newBaseManager()) {
            student.initialize(m, DataType.FLOAT32, new Shape(1, cs[0], cs[1], cs[1]));
            DistillationParts.readParameters(student, last.resolve("student.params"), m, STUDENT_CHECKPOINT);
            DistillationParts.writeParameters(student, target);
        }
        Properties about = new Properties();
        about.setProperty("arch", settings.student.getString("arch"));
        about.setProperty("width", Integer.toString(settings.student.getInt("width")));
        about.setProperty("classes", Integer.toString(classes));
        about.setProperty("input", "(N, " + cs[0] + ", " + cs[1] + ", " + cs[1] + ")");
        about.setProperty("checkpoint", last.toString());
        try (var out = Files.newOutputStream(Path.of(target + ".properties"))) {
            about.store(out, "distill4j student: TappedNet." + settings.student.getString("arch") + "(width, classes), "
                    + "then block.loadParameters");
        }
        return last;
    }

    private static DistillBatch distillBatch(Batch b, NDList student, Block teacher, List<String> teacherOutputs,
                                             NDArray task, long step, int epoch) {
        NDManager m = b.getManager();
        NDList teacherOut = teacher.forward(new ParameterStore(m, false), b.getData(), false);
        DistillBatch.Builder db = DistillBatch.builder(m).step(step).epoch(epoch).taskLoss(task)
                .targets(b.getLabels().get(0).toType(DataType.INT64, false))
                .input("boxes", b.getLabels().get(1)).input("image_sizes", b.getLabels().get(2));
        for (int i = 0; i < TappedNet.OUTPUTS.size(); i++) {
            db.student(TappedNet.OUTPUTS.get(i), student.get(i));
        }
        for (int i = 0; i < teacherOutputs.size(); i++) {
            db.teacher(teacherOutputs.get(i), teacherOut.get(i));
        }
        return db.build();
    }

    private static String csvHeader(DistillResult r) {
        StringBuilder b = new StringBuilder("epoch,step,total,task");
        for (TermResult t : r.terms()) {
            b.append(',').append(t.key()).append(".raw,").append(t.key()).append(".weighted");
        }
        return b.append('\n').toString();
    }

    private static String csvRow(int epoch, long step, float total, float task, float[] raw, float[] weighted) {
        StringBuilder b = new StringBuilder().append(epoch).append(',').append(step).append(',')
                .append(total).append(',').append(task);
        for (int i = 0; i < raw.length; i++) {
            b.append(',').append(raw[i]).append(',').append(weighted[i]);
        }
        return b.append('\n').toString();
    }

    /** Test accuracy in inference mode (batch norm with running statistics). */
    static double accuracy(Block net, ArrayDataset test, NDManager manager) throws IOException, TranslateException {
        long correct = 0;
        long total = 0;
        try (NDManager m = manager == null ? NDManager.newBaseManager() : manager.newSubManager()) {
            for (Batch b : test.getData(m)) {
                NDArray logits = net.forward(new ParameterStore(b.getManager(), false), b.getData(), false).get(0);
                NDArray predicted = logits.argMax(1).toType(DataType.FLOAT32, false);
                correct += predicted.eq(b.getLabels().get(0)).sum().getLong();
                total += b.getSize();
                b.close();
            }
        }
        return total == 0 ? 0 : (double) correct / total;
    }

    /** Per-epoch checkpoints, each written to a temporary folder and renamed: never half-written. */
    static final class Checkpoints {
        private Checkpoints() {}

        static void save(Path runDir, int epoch, long step, TappedNet student, Distiller distiller, CheckpointableSgd optimizer,
                         Block trained, int classes) throws IOException {
            Path dir = runDir.resolve("checkpoints");
            Files.createDirectories(dir);
            Path tmp = Files.createTempDirectory(dir, ".epoch-" + epoch + "-");
            DistillationParts.writeParameters(student, tmp.resolve("student.params"));
            if (distiller != null && !distiller.trainableParts().isEmpty()) {
                distiller.trainableParts().save(tmp.resolve("distill-parts.params"));
            }
            optimizer.save(trained.getParameters(), tmp.resolve("optimizer.ndlist"));
            Properties state = new Properties();
            state.setProperty("epoch", Integer.toString(epoch));
            state.setProperty("step", Long.toString(step));
            state.setProperty("classes", Integer.toString(classes));
            try (var out = Files.newOutputStream(tmp.resolve("state.properties"))) {
                state.store(out, "distill4j checkpoint");
            }
            Path target = dir.resolve(String.format("epoch-%03d", epoch));
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }

        /** The last complete checkpoint, or null when there is none. */
        static Path latest(Path runDir) throws IOException {
            Path dir = runDir.resolve("checkpoints");
            if (!Files.isDirectory(dir)) {
                return null;
            }
            try (Stream<Path> s = Files.list(dir)) {
                return s.filter(p -> p.getFileName().toString().matches("epoch-\\d{3}"))
                        .filter(p -> Files.isRegularFile(p.resolve("state.properties")))
                        .max(Path::compareTo).orElse(null);
            }
        }

        static Properties restore(Path runDir, TappedNet student, Distiller distiller, CheckpointableSgd optimizer, Block trained,
                                  NDManager manager) throws IOException {
            Path last = latest(runDir);
            if (last == null) {
                return null;
            }
            DistillationParts.readParameters(student, last.resolve("student.params"), manager, STUDENT_CHECKPOINT);
            if (distiller != null && !distiller.trainableParts().isEmpty()) {
                distiller.trainableParts().load(last.resolve("distill-parts.params"), manager);
            }
            // DJL's Parameter.load gives the student arrays without gradients: without this, the resumed
            // run would never update the student again.
            DistillationParts.attachGradients(student);
            // Checkpoints written before the optimizer's state was saved resume with zero momentum.
            if (Files.isRegularFile(last.resolve("optimizer.ndlist"))) {
                optimizer.load(trained.getParameters(), last.resolve("optimizer.ndlist"), manager);
            }
            Properties state = new Properties();
            try (var in = Files.newInputStream(last.resolve("state.properties"))) {
                state.load(in);
            }
            return state;
        }

        private static void deleteTree(Path p) throws IOException {
            try (Stream<Path> s = Files.walk(p)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                    try {
                        Files.delete(f);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }
}
