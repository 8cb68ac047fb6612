package io.distill4j.cli.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.SequenceSampler;
import ai.djl.training.loss.IndexLoss;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import io.distill4j.djl.CachedTeacher;
import io.distill4j.djl.CheckpointListener;
import io.distill4j.djl.CheckpointableSgd;
import io.distill4j.djl.DistillationBlock;
import io.distill4j.djl.DistillationListener;
import io.distill4j.djl.DistillationLoss;
import io.distill4j.djl.EpochHistory;
import io.distill4j.djl.EpochShuffle;
import io.distill4j.djl.EpochSummary;
import io.distill4j.djl.OpProfileListener;
import io.distill4j.djl.RememberingLoss;
import io.distill4j.djl.TappedModel;
import io.distill4j.djl.TeacherOutputs;
import io.distill4j.runtime.Checksums;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.OutputPaths;
import io.distill4j.runtime.ParameterFiles;
import io.distill4j.runtime.plan.DistillPlan;
import io.distill4j.spi.Options;
import io.distill4j.spi.BatchInputs;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.IntSupplier;

/**
 * One experiment's training, on the library's public API as a DJL user would write it: the teachers
 * (each trained once per data and teacher settings, then loaded from its cache), the student trained
 * alone on the task, and the student distilled ({@link DistillationBlock}, {@link DistillationLoss},
 * {@code EasyTrain.fit} and the library's listeners), from the same seed, initialisation and batch
 * order, so the difference is the distillation's alone. What is the tool's own here is choosing the
 * models from the settings, the progress display and the report.
 */
public final class TrainJob {
    /**
     * Test accuracy and wall time of one model, the median time of its training step
     * ({@link EpochHistory#medianStepSeconds}; NaN for a model not trained here), and its per-epoch statistics.
     */
    public record RunResult(String name, double accuracy, double seconds, double stepSeconds, List<EpochSummary> epochs) {
        /** A model not trained in this run (loaded, or skipped): no step time. */
        public RunResult(String name, double accuracy, double seconds, List<EpochSummary> epochs) {
            this(name, accuracy, seconds, Double.NaN, epochs);
        }

        /**
         * Why this run is no result, if it never left the uniform guess: after its first epoch the task
         * loss stayed at ln(classes) and the test accuracy at chance. Such a run says nothing about a
         * method, so it is flagged, never compared.
         */
        public java.util.Optional<String> stuck(int classes) {
            if (epochs.isEmpty() || classes < 2) {
                return java.util.Optional.empty();
            }
            double uniform = Math.log(classes);
            List<EpochSummary> judged = epochs.size() > 1 ? epochs.subList(1, epochs.size()) : epochs;
            boolean flat = judged.stream().allMatch(e -> e.task() >= 0.98 * uniform);
            if (!flat || accuracy > 1.5 / classes) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(String.format(java.util.Locale.ROOT, "%s did not learn: its task loss stayed at"
                    + " %.4f (ln %d = %.4f, a uniform guess) and its accuracy at chance (%.2f%%); not a result: try another"
                    + " seed or learning rate", name, judged.get(judged.size() - 1).task(), classes, uniform, 100 * accuracy));
        }
    }

    /** A teacher of the run, and whether it came from the cache (or a TorchScript file) rather than training. */
    public record TeacherRun(RunResult result, boolean cached) {}

    /** What a run produced; teachers by name (a single {@code train.teacher} under ""). */
    public record Outcome(String experiment, Map<String, TeacherRun> teachers, RunResult alone, RunResult distilled,
                          Path output, int classes) {
        /** Why the comparison is no result (a run that did not learn), if so. */
        public List<String> stuck() {
            List<String> why = new ArrayList<>();
            teachers.values().stream().filter(t -> !t.cached()).forEach(t -> t.result().stuck(classes).ifPresent(why::add));
            alone.stuck(classes).ifPresent(why::add);
            distilled.stuck(classes).ifPresent(why::add);
            return why;
        }

        /** The first (or only) teacher. */
        public TeacherRun teacher() {
            return teachers.values().iterator().next();
        }
    }

    /**
     * Called after every step of the distilled run, with a count of the native arrays alive in the
     * long-lived managers: counting lists every array, so an observer asks only at the steps it samples.
     */
    public interface StepObserver {
        void afterStep(long step, IntSupplier liveArrays);
    }

    private final String name;
    private final DistillPlan plan;
    private final TrainSettings settings;
    private Path output;
    private final boolean resume;
    /** Student-alone results by {@link TrainSettings#aloneKey()}, shared by the jobs of one command. */
    private Map<String, RunResult> aloneRuns;
    private final PrintWriter log;
    private StepObserver observer;
    /** The training steps to profile in each run ({@code --op-profile}), or null. */
    private OpProfile opProfile;
    /** What this run's checkpoints are of: resume refuses another run's. */
    private String fingerprint;
    private boolean distilledOnly;
    private boolean prepared;
    /** Whether the distilled run reads stored teacher outputs (train.teacher-outputs) instead of running the teachers. */
    private boolean readsStoredOutputs;
    /** Models live until the job ends: the teachers' parameters are used after their training. */
    private final List<Model> models = new ArrayList<>();

    public TrainJob(String name, DistillPlan plan, TrainSettings settings, boolean resume, PrintWriter log) {
        this.name = name;
        this.plan = plan;
        this.settings = settings;
        this.output = settings.outputDir(name);
        this.resume = resume;
        this.log = log;
    }

    /** Writes the run into {@code folder} instead of {@code train.output/<name>} (one seed of several). */
    public TrainJob in(Path folder) {
        this.output = folder;
        return this;
    }

    /**
     * Shares student-alone runs between jobs: the student alone depends on the data, the student and
     * the schedule only, so experiments (or sweep points) that differ in their distillation alone train
     * it once per seed and compare against that same run.
     */
    public TrainJob reuseAlone(Map<String, RunResult> shared) {
        this.aloneRuns = shared;
        return this;
    }

    /** Where this job writes its log, chart and checkpoints. */
    public Path output() {
        return output;
    }

    /** Watches the distilled run step by step (the memory benchmark). */
    public TrainJob observe(StepObserver stepObserver) {
        this.observer = stepObserver;
        return this;
    }

    /** A window of training steps, {@code first} to {@code first + steps - 1}, as {@code distill train --op-profile} takes it. */
    public record OpProfile(long first, int steps) {
        private static final String GIVE = ": give FIRST:STEPS, the first training step to profile (from 1) and how many"
                + " (at least 1)";

        public OpProfile {
            if (first < 1 || steps < 1) {
                throw new InvalidInputException("--op-profile " + first + ":" + steps + GIVE);
            }
        }

        /** {@code FIRST:STEPS}, as the command line gives it. */
        public static OpProfile parse(String text) {
            String[] parts = text.split(":", -1);
            try {
                if (parts.length == 2) {
                    return new OpProfile(Long.parseLong(parts[0].trim()), Integer.parseInt(parts[1].trim()));
                }
            } catch (NumberFormatException e) {
                // reported below, with the rest
            }
            throw new InvalidInputException("--op-profile " + text + GIVE + ", e.g. 100:20");
        }

        long last() {
            return first + steps - 1;
        }
    }

    /**
     * Records libtorch's operator profiler over these training steps of each run it trains (teacher,
     * student alone, student distilled) into {@code op-profile-<run>.json} in the run's folder; null
     * records none.
     */
    public TrainJob opProfile(OpProfile window) {
        this.opProfile = window;
        return this;
    }

    /**
     * Names what the run trains (a hash of the resolved experiment and data, without the settings
     * that may change between a run and its resume, such as the number of epochs).
     */
    public TrainJob fingerprint(String value) {
        this.fingerprint = value;
        return this;
    }

    /** Skips the student-alone run (benchmarks that only need the distilled one). */
    public TrainJob distilledOnly() {
        this.distilledOnly = true;
        return this;
    }

    /** The experiment's name (its file name without {@code .conf}). */
    public String name() {
        return name;
    }

    /** The data of one run: datasets and the shuffle they share, whose epoch each run sets. */
    private record Data(ArrayDataset train, ArrayDataset test, EpochShuffle shuffle, Shape input, int classes,
                        NDManager root, Datasets.Data splits) {}

    public Outcome run() throws IOException {
        prepare();
        Device device = device();
        int seed = settings.run.getInt("seed");
        try (NDManager root = NDManager.newBaseManager(device)) {
            Datasets.Data loaded = Datasets.load(settings.data, seed);
            EpochShuffle shuffle = new EpochShuffle(seed);
            Datasets.Split tr = loaded.train();
            Data data = new Data(dataset(root, tr, shuffle, 0), dataset(root, loaded.test(), null, 0), shuffle,
                    new Shape(settings.run.getInt("batch-size"), tr.channels(), tr.size(), tr.size()), loaded.classes(), root,
                    loaded);
            int epochs = settings.run.getInt("epochs");
            if (opProfile != null && opProfile.last() > (long) epochs * batches(data)) {
                throw new InvalidInputException("--op-profile " + opProfile.first() + ":" + opProfile.steps() + ": the student's runs of "
                        + name + " have " + (long) epochs * batches(data) + " training steps (" + epochs + " epochs of "
                        + batches(data) + "); profile steps inside them");
            }
            Teachers checked = checkedTeachers(device, data);
            // Stored outputs are checked against this run's data, teachers and pairs before any training.
            TeacherOutputs stored = null;
            String storedAt = settings.run.getString("teacher-outputs");
            if (!storedAt.isBlank()) {
                stored = TeacherOutputs.open(Path.of(storedAt));
                stored.checkData(fingerprint(loaded), neededTaps(checked.shapes()));
                stored.checkTeachers(teacherChecksums(true));
            }

            Map<String, TeacherRun> teacherRuns = new LinkedHashMap<>();
            Map<String, TappedModel> teachers = new LinkedHashMap<>();
            for (Map.Entry<String, Options> t : settings.teachers.entrySet()) {
                teachers.put(t.getKey(), teacher(t.getKey(), t.getValue(), checked.scripted().get(t.getKey()), data, teacherRuns));
            }
            if (stored != null) {
                log.printf("teacher outputs: %s (%d samples, %s); the distilled run reads them instead of running the teacher%n",
                        stored.folder(), stored.samples(), stored.precision());
                CachedTeacher cached = new CachedTeacher(stored);
                readsStoredOutputs = true;
                teachers = Map.of("", TappedModel.of(cached, cached.names()));
                data = new Data(dataset(root, tr, shuffle, 1), dataset(root, loaded.test(), null, 1 + tr.count()), shuffle,
                        data.input(), data.classes(), root, loaded);
            }

            Engine.getInstance().setRandomSeed(seed);
            RunResult alone = distilledOnly ? new RunResult("student alone", Double.NaN, 0, List.of())
                    : alone(stored == null ? data : withoutIndices(data, root, tr, loaded, shuffle));

            Engine.getInstance().setRandomSeed(seed);
            RunResult distilled = fitDistilled(teachers, teacherRuns, alone, data);
            return new Outcome(name, teacherRuns, alone, distilled, output, data.classes());
        } catch (TranslateException e) {
            throw new IllegalStateException("batching the dataset failed: " + e.getMessage(), e);
        } finally {
            models.forEach(Model::close);
            models.clear();
        }
    }

    /** The teachers' output shapes (every pair checked against them), and the TorchScript teachers loaded. */
    private record Teachers(Map<String, Block> scripted, Map<String, Map<String, Shape>> shapes) {}

    /** Every pair is checked against the models' shapes before any teacher is trained or loaded. */
    private Teachers checkedTeachers(Device device, Data data) throws IOException {
        Map<String, Block> scripted = new LinkedHashMap<>();
        Map<String, Map<String, Shape>> teacherShapes = new LinkedHashMap<>();
        for (Map.Entry<String, Options> t : settings.teachers.entrySet()) {
            String torchscript = t.getValue().getString("torchscript");
            if (torchscript.isBlank()) {
                teacherShapes.put(t.getKey(), outputShapes(net(t.getValue(), data.classes()), TappedNet.OUTPUTS, data.input()));
            } else {
                String key = settingsKey(t.getKey());
                Block model = loadTorchScript(Path.of(torchscript), device, key);
                scripted.put(t.getKey(), model);
                teacherShapes.put(t.getKey(), probeShapes(model, outputNames(t.getValue()), data, key));
            }
        }
        DistillationBlock.check(plan, outputShapes(net(settings.student, data.classes()), TappedNet.OUTPUTS, data.input()),
                teacherShapes);
        return new Teachers(scripted, teacherShapes);
    }

    /** The same data without the sample-index input (the student alone takes the images only). */
    private Data withoutIndices(Data data, NDManager root, Datasets.Split tr, Datasets.Data loaded, EpochShuffle shuffle) {
        return new Data(dataset(root, tr, shuffle, 0), dataset(root, loaded.test(), null, 0), shuffle, data.input(),
                data.classes(), root, loaded);
    }

    /**
     * The teacher tensors the plan's pairs read, as the distillation block names them ({@code logits},
     * or {@code big.logits} with named teachers), with their shapes per sample, in the pairs' order.
     */
    private Map<String, Shape> neededTaps(Map<String, Map<String, Shape>> shapes) {
        Map<String, Shape> all = new LinkedHashMap<>();
        shapes.forEach((teacher, outs) -> outs.forEach((o, shape) ->
                all.put(teacher.isEmpty() ? o : teacher + "." + o, shape.slice(1))));
        Map<String, Shape> needed = new LinkedHashMap<>();
        plan.pairs().forEach(p -> {
            if (all.containsKey(p.teacher())) {
                needed.put(p.teacher(), all.get(p.teacher()));
            }
        });
        return needed;
    }

    /**
     * A checksum of each teacher's parameters: its cached parameter file's, or its TorchScript file's.
     *
     * @param forStoredOutputs a teacher not trained yet cannot be the one stored outputs came from: refused
     *     before anything trains
     */
    private Map<String, String> teacherChecksums(boolean forStoredOutputs) throws IOException {
        Map<String, String> sums = new LinkedHashMap<>();
        for (Map.Entry<String, Options> t : settings.teachers.entrySet()) {
            String torchscript = t.getValue().getString("torchscript");
            Path file = torchscript.isBlank() ? teacherCache().resolve(settings.teacherKey(t.getValue()) + ".params")
                    : Path.of(torchscript);
            if (forStoredOutputs && !Files.isRegularFile(file)) {
                throw new InvalidInputException(settings.run.getString("teacher-outputs") + ": these teacher outputs cannot be"
                        + " of this run's " + (t.getKey().isEmpty() ? "teacher" : "teacher " + t.getKey()) + ", which is not"
                        + " trained yet (no " + file + "); compute them with distill teacher-outputs");
            }
            sums.put(t.getKey(), Checksums.sha256(file));
        }
        return sums;
    }

    /** What the samples are, in index order (training split, then test split): their pixels, labels and boxes, hashed. */
    static String fingerprint(Datasets.Data data) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (Datasets.Split s : List.of(data.train(), data.test())) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * (s.images().length + s.labels().length + 4 * s.count()));
                b.asFloatBuffer().put(s.images());
                b.position(4 * s.images().length);
                for (int label : s.labels()) {
                    b.putInt(label);
                }
                for (float[] box : s.boxes()) {
                    for (float v : box) {
                        b.putFloat(v);
                    }
                }
                md.update(b.array());
                md.update(("|" + s.count() + "x" + s.channels() + "x" + s.size() + "|").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return java.util.HexFormat.of().formatHex(md.digest()).substring(0, 32);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Computes the teachers' outputs that the plan's pairs read, in inference mode, for every sample
     * (the training split, then the test split, in order) and stores them at {@code dir}. The teachers
     * come from their TorchScript files or the cache, or are trained now, as for a run.
     *
     * @return the stored outputs, opened (and so checked)
     */
    public TeacherOutputs computeTeacherOutputs(Path dir, TeacherOutputs.Precision precision, int shardSize)
            throws IOException {
        OutputPaths.folder(dir.toAbsolutePath().getParent(), "the folder of the teacher outputs");
        try (TeacherPass pass = teacherPass(true);
             TeacherOutputs.Writer w = pass.writer(dir, precision, shardSize)) {
            for (int k = 0; k < pass.shards(shardSize); k++) {
                w.writeShard(k, pass.shard(k, shardSize, precision));
            }
            w.commit();
        }
        return TeacherOutputs.open(dir);
    }

    /**
     * The teachers loaded (or, with {@code trainMissing}, trained and cached) and the data, ready to
     * compute stored outputs shard by shard: the local command computes every shard, a cluster job
     * one pass per executor and the shards of its partitions. Either way a shard is computed in the
     * same batches, so its bytes are the same.
     *
     * @param trainMissing train a zoo teacher that is not cached; without it, such a teacher is refused
     */
    public TeacherPass teacherPass(boolean trainMissing) throws IOException {
        OutputPaths.folder(teacherCache(), "train.cache (the teacher cache)");
        if (!trainMissing) {
            teacherChecksums(true);
        }
        Device device = device();
        int seed = settings.run.getInt("seed");
        NDManager root = NDManager.newBaseManager(device);
        try {
            Datasets.Data loaded = Datasets.load(settings.data, seed);
            Datasets.Split tr = loaded.train();
            Data data = new Data(dataset(root, tr, new EpochShuffle(seed), 0), dataset(root, loaded.test(), null, 0),
                    new EpochShuffle(seed), new Shape(settings.run.getInt("batch-size"), tr.channels(), tr.size(), tr.size()),
                    loaded.classes(), root, loaded);
            Teachers checked = checkedTeachers(device, data);
            Map<String, TeacherRun> runs = new LinkedHashMap<>();
            Map<String, TappedModel> teachers = new LinkedHashMap<>();
            for (Map.Entry<String, Options> t : settings.teachers.entrySet()) {
                teachers.put(t.getKey(), teacher(t.getKey(), t.getValue(), checked.scripted().get(t.getKey()), data, runs));
            }
            Map<String, Shape> taps = neededTaps(checked.shapes());
            if (taps.isEmpty()) {
                throw new InvalidInputException(name + ": no pair reads a teacher tensor (self-distillation only): nothing"
                        + " to store");
            }
            return new TeacherPass(root, loaded, teachers, taps, runs, settings.run.getInt("batch-size"));
        } catch (TranslateException e) {
            root.close();
            throw new IllegalStateException("batching the dataset failed: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** See {@link #teacherPass}. Closing it frees the teachers and the data. */
    public final class TeacherPass implements AutoCloseable {
        private final NDManager root;
        private final Datasets.Data data;
        private final Map<String, TappedModel> teachers;
        private final Map<String, Shape> taps;
        private final Map<String, TeacherRun> runs;
        private final int batch;

        private TeacherPass(NDManager root, Datasets.Data data, Map<String, TappedModel> teachers, Map<String, Shape> taps,
                            Map<String, TeacherRun> runs, int batch) {
            this.root = root;
            this.data = data;
            this.teachers = teachers;
            this.taps = taps;
            this.runs = runs;
            this.batch = batch;
        }

        /** Samples in index order: the training split, then the test split. */
        public int samples() {
            return data.train().count() + data.test().count();
        }

        public int shards(int shardSize) {
            return (samples() + shardSize - 1) / shardSize;
        }

        public Map<String, Shape> taps() {
            return taps;
        }

        /** A writer for these outputs: the taps, the data's fingerprint, the teachers' checksums and accuracies. */
        public TeacherOutputs.Writer writer(Path dir, TeacherOutputs.Precision precision, int shardSize) throws IOException {
            TeacherOutputs.Writer w = TeacherOutputs.writer(dir, taps, precision, shardSize, fingerprint(data),
                    teacherChecksums(false));
            runs.forEach((n, r) -> w.note("accuracy." + (n.isEmpty() ? "default" : n), Double.toString(r.result().accuracy())));
            return w;
        }

        /**
         * The records of shard {@code k}: its samples in batches of the run's batch size that start at
         * the shard's first sample and never cross a shard's or a split's end.
         */
        public byte[] shard(int k, int shardSize, TeacherOutputs.Precision precision) {
            int from = k * shardSize;
            int to = Math.min(samples(), from + shardSize);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            int trainCount = data.train().count();
            for (int i = from; i < to; ) {
                boolean inTrain = i < trainCount;
                Datasets.Split split = inTrain ? data.train() : data.test();
                int splitEnd = inTrain ? trainCount : samples();
                int n = Math.min(batch, Math.min(to, splitEnd) - i);
                int first = inTrain ? i : i - trainCount;
                int pixels = split.channels() * split.size() * split.size();
                try (NDManager m = root.newSubManager()) {
                    NDArray x = m.create(java.util.Arrays.copyOfRange(split.images(), first * pixels, (first + n) * pixels),
                            new Shape(n, split.channels(), split.size(), split.size()));
                    Map<String, NDArray> byName = new LinkedHashMap<>();
                    teachers.forEach((tn, model) -> {
                        NDList o = model.forward(new ParameterStore(m, false), new NDList(x), false, null);
                        List<String> names = model.outputNames();
                        for (int j = 0; j < names.size(); j++) {
                            byName.put(tn.isEmpty() ? names.get(j) : tn + "." + names.get(j), o.get(j));
                        }
                    });
                    NDList row = new NDList();
                    taps.keySet().forEach(t -> row.add(byName.get(t)));
                    out.writeBytes(TeacherOutputs.records(row, taps, precision));
                }
                i += n;
            }
            return out.toByteArray();
        }

        @Override
        public void close() {
            root.close();
            models.forEach(Model::close);
            models.clear();
        }
    }

    /**
     * Everything the run will write is checked before anything is computed: the run's folder, its
     * checkpoints, the teacher cache, the log and the chart. With {@code --resume} the checkpoint to
     * continue from is verified now (checksums, state, fingerprint), not after an hour of teacher
     * training; without it, a previous run's checkpoints and log are moved aside, never mixed in.
     * A command with several jobs prepares all of them before the first trains; {@link #run} prepares
     * a job not yet prepared.
     */
    public void prepare() throws IOException {
        if (!prepared) {
            prepareOutputs();
            prepared = true;
        }
    }

    private Path prepareOutputs() throws IOException {
        OutputPaths.folder(output, "train.output (the run's folder)");
        Path checkpoints = OutputPaths.folder(output.resolve("checkpoints"), "the run's checkpoint folder");
        OutputPaths.folder(teacherCache(), "train.cache (the teacher cache)");
        OutputPaths.file(output.resolve("steps.csv"), "the step log");
        OutputPaths.file(output.resolve("chart.png"), "the chart");
        if (resume) {
            int done = CheckpointListener.verify(checkpoints, fingerprint);
            if (done > settings.run.getInt("epochs")) {
                throw new InvalidInputException(checkpoints + ": the last checkpoint completed epoch " + done
                        + ", beyond train.epochs = " + settings.run.getInt("epochs") + "; raise train.epochs to continue it");
            }
        } else {
            movePreviousRunAside(checkpoints);
        }
        return checkpoints;
    }

    /**
     * A new folder {@code parent/name}, or {@code name-2}, {@code name-3}, ... when runs started within the
     * same second already took it.
     */
    static Path freshFolder(Path parent, String name) throws IOException {
        Files.createDirectories(parent);
        for (int n = 1; ; n++) {
            Path candidate = parent.resolve(n == 1 ? name : name + "-" + n);
            try {
                return Files.createDirectory(candidate); // atomic: two runs never get the same folder
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                // the next suffix
            }
        }
    }

    /** A fresh run where another ran: its checkpoints and log go to {@code previous/<time>/}, so nothing is lost or mixed. */
    private void movePreviousRunAside(Path checkpoints) throws IOException {
        boolean hasCheckpoints;
        try (var s = Files.list(checkpoints)) {
            hasCheckpoints = s.findAny().isPresent();
        }
        Path log = output.resolve("steps.csv");
        // Its op profiles too: left here, they would read as this run's. A run that stopped before its first
        // checkpoint may have left nothing else.
        List<Path> profiles = new ArrayList<>();
        try (var traces = Files.newDirectoryStream(output, "op-profile-*.json")) {
            traces.forEach(profiles::add);
        }
        if (!hasCheckpoints && !Files.exists(log) && profiles.isEmpty()) {
            return;
        }
        Path aside = freshFolder(output.resolve("previous"), java.time.LocalDateTime.now().withNano(0).toString().replace(':', '-'));
        if (hasCheckpoints) {
            Files.move(checkpoints, aside.resolve("checkpoints"));
            Files.createDirectories(checkpoints);
        }
        if (Files.exists(log)) {
            Files.move(log, aside.resolve("steps.csv"));
        }
        for (Path p : profiles) {
            Files.move(p, aside.resolve(p.getFileName()));
        }
        this.log.printf("note: %s held an earlier run; its checkpoints and log are now in %s (resume it with --resume "
                + "instead of starting afresh)%n", output, aside);
    }

    /** The student alone: trained now, or the same configuration's run from earlier in this command. */
    private RunResult alone(Data data) throws IOException, TranslateException {
        String key = settings.aloneKey();
        RunResult earlier = aloneRuns == null ? null : aloneRuns.get(key);
        if (earlier != null) {
            log.printf("student alone: the same data, student, schedule and seed ran earlier in this command "
                    + "(%s accuracy %.2f%%); compared against that run%n", evaluatedOn(), 100 * earlier.accuracy());
            return earlier;
        }
        RunResult r = fitAlone("student alone", net(settings.student, data.classes()), settings.run.getInt("epochs"),
                (float) settings.run.getDouble("learning-rate"), data);
        if (aloneRuns != null) {
            aloneRuns.put(key, r);
        }
        return r;
    }

    /** A teacher from its TorchScript file, the cache, or trained now (and cached); frozen for distilling. */
    private TappedModel teacher(String teacherName, Options t, Block scripted, Data data, Map<String, TeacherRun> runs)
            throws IOException, TranslateException {
        String label = teacherName.isEmpty() ? "teacher" : "teacher " + teacherName;
        if (scripted != null) {
            RunResult r = new RunResult(label, accuracy(scripted, data.test(), data.root()), 0, List.of());
            log.printf("%s: TorchScript %s (%s accuracy %.2f%%)%n", label, t.getString("torchscript"), evaluatedOn(),
                    100 * r.accuracy());
            runs.put(teacherName, new TeacherRun(r, true));
            return TappedModel.of(scripted, outputNames(t).toArray(String[]::new));
        }
        TappedNet net = net(t, data.classes());
        Path cached = teacherCache().resolve(settings.teacherKey(t) + ".params");
        if (Files.isRegularFile(cached)) {
            net.initialize(data.root(), DataType.FLOAT32, data.input());
            try {
                Checksums.verifySidecar(cached);
                ParameterFiles.read(net, cached, data.root(), "a teacher of these settings");
            } catch (InvalidInputException e) {
                throw new InvalidInputException(e.getMessage() + "; delete it to retrain");
            }
            RunResult r = new RunResult(label, accuracy(net, data.test(), data.root()), 0, List.of());
            log.printf("%s: loaded from %s (%s accuracy %.2f%%)%n", label, cached, evaluatedOn(), 100 * r.accuracy());
            runs.put(teacherName, new TeacherRun(r, true));
        } else {
            Engine.getInstance().setRandomSeed(settings.run.getInt("seed"));
            RunResult r = fitAlone(label, net, t.getInt("epochs"), (float) t.getDouble("learning-rate"), data);
            ParameterFiles.write(net, cached);
            Checksums.writeSidecar(cached);
            log.printf("%s: trained and cached in %s%n", label, cached);
            runs.put(teacherName, new TeacherRun(r, false));
        }
        return TappedModel.of(net, TappedNet.OUTPUTS.toArray(String[]::new));
    }

    /** A model trained on the task alone (a teacher, or the student without distillation): plain DJL training. */
    private RunResult fitAlone(String label, TappedNet net, int epochs, float lr, Data data)
            throws IOException, TranslateException {
        long t0 = System.nanoTime();
        Model model = Model.newInstance(label);
        models.add(model);
        model.setBlock(net);
        EpochHistory history = new EpochHistory();
        // The zoo's nets return their taps after the logits: the task loss reads the first output and label.
        DefaultTrainingConfig config = new DefaultTrainingConfig(new RememberingLoss(new IndexLoss(Loss.softmaxCrossEntropyLoss(), 0)))
                .optOptimizer(optimizer(lr, epochs, batches(data)))
                .addTrainingListeners(data.shuffle(), history, new ProgressListener(label, epochs, batches(data), history, log, evaluatedOn()));
        OpProfileListener profile = opProfile(config, label);
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(data.input());
            data.shuffle().startAt(1);
            EasyTrain.fit(trainer, epochs, data.train(), data.test());
        }
        reportProfile(profile, label, (long) epochs * batches(data));
        return result(label, history, t0);
    }

    /** The student distilled: the library's block, loss and listeners, with checkpoints and resume. */
    private RunResult fitDistilled(Map<String, TappedModel> teachers, Map<String, TeacherRun> teacherRuns, RunResult alone,
                                   Data data) throws IOException, TranslateException {
        String label = "student distilled";
        long t0 = System.nanoTime();
        TappedNet net = net(settings.student, data.classes());
        DistillationBlock block = new DistillationBlock(plan, TappedModel.of(net, TappedNet.OUTPUTS.toArray(String[]::new)),
                teachers)
                // The epoch's evaluation reads the student's accuracy only: no teacher forward on the test data.
                .teacherInEvaluation(false);
        DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block, BatchInputs.TARGETS,
                BatchInputs.BOXES, BatchInputs.IMAGE_SIZES);
        Model model = Model.newInstance(label);
        models.add(model);
        model.setBlock(block);
        CheckpointableSgd sgd = optimizer((float) settings.run.getDouble("learning-rate"), settings.run.getInt("epochs"),
                batches(data));
        CheckpointListener checkpoints = new CheckpointListener(output.resolve("checkpoints"), block, sgd)
                .note("classes", Integer.toString(data.classes()));
        if (fingerprint != null) {
            checkpoints.fingerprint(fingerprint);
        }
        // Redrawn at most every train.chart-every seconds (15): a live picture needs no more, and on a small
        // machine each drawing's CPU time (the renderer's JIT compilation first) comes out of the steps.
        EpochHistory history = new EpochHistory().chart(output.resolve("chart.png"), name, label)
                .chartEvery(settings.chartEvery());
        if (!distilledOnly) {
            history.compareWith("student alone", alone.epochs());
        }
        teacherRuns.forEach((n, t) -> history.reference(n.isEmpty() ? "teacher" : "teacher " + n, t.result().accuracy()));
        int epochs = settings.run.getInt("epochs");
        ProgressListener progress = new ProgressListener(label, epochs, batches(data), history, log, evaluatedOn());
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss).optOptimizer(sgd)
                .addTrainingListeners(data.shuffle(), new DistillationListener(block, loss, output.resolve("steps.csv")),
                        history, checkpoints, progress);
        OpProfileListener profile = opProfile(config, label);
        if (observer != null) {
            config.addTrainingListeners(new MemoryWatch(observer, () -> data.root().getManagedArrays().size()
                    + model.getNDManager().getManagedArrays().size()));
        }
        long trainedSteps;
        try (Trainer trainer = model.newTrainer(config)) {
            // With stored teacher outputs the batch's second input is the samples' indices.
            trainer.initialize(readsStoredOutputs ? new Shape[] {data.input(), new Shape(data.input().get(0))}
                    : new Shape[] {data.input()});
            int done = resume ? checkpoints.resume(trainer.getManager()) : 0;
            if (done > 0) {
                log.printf("%s: resumed after epoch %d (step %d)%n", label, done, block.progress().step());
            }
            data.shuffle().startAt(done + 1);
            history.startAt(done + 1);
            progress.startAt(done + 1);
            trainedSteps = (long) (epochs - done) * batches(data);
            EasyTrain.fit(trainer, epochs - done, data.train(), data.test());
        }
        reportProfile(profile, label, trainedSteps);
        if (block.distiller().skippedTerms() > 0) {
            log.printf("note: %d non-finite term(s) were skipped (non-finite = skip)%n", block.distiller().skippedTerms());
        }
        return result(label, history, t0);
    }

    /** The run's op profile listener, added to its config, or null without {@code --op-profile}. */
    private OpProfileListener opProfile(DefaultTrainingConfig config, String label) {
        if (opProfile == null) {
            return null;
        }
        OpProfileListener profile = new OpProfileListener(opProfileFile(output, label), opProfile.first(), opProfile.steps());
        config.addTrainingListeners(profile);
        return profile;
    }

    /** Where a run's op profile goes: {@code op-profile-teacher.json}, {@code op-profile-student-alone.json}, ... */
    private static Path opProfileFile(Path runFolder, String runLabel) {
        return runFolder.resolve("op-profile-" + runLabel.replace(' ', '-') + ".json");
    }

    private void reportProfile(OpProfileListener profile, String label, long steps) {
        if (profile == null) {
            return;
        }
        if (profile.written()) {
            log.printf("%s: op profile of training steps %d-%d in %s%n", label, opProfile.first(),
                    Math.min(opProfile.last(), steps), opProfileFile(output, label));
        } else {
            log.printf("%s: no op profile: its %d training steps end before step %d%n", label, steps, opProfile.first());
        }
    }

    /** The split the run's accuracies are measured on. */
    private String evaluatedOn() {
        return settings.validation() > 0 ? "validation" : "test";
    }

    private static int batches(Data data) {
        return (int) (data.train().size() / data.input().get(0));
    }

    /** SGD with momentum 0.9; with {@code schedule = cosine}, DJL's cosine tracker from lr to 0 over the run's steps. */
    private CheckpointableSgd optimizer(float lr, int epochs, int batchesPerEpoch) {
        float clip = (float) settings.run.getDouble("clip-gradient");
        if (settings.run.getString("schedule").equals("constant")) {
            return CheckpointableSgd.of(lr, 0.9f, clip);
        }
        return CheckpointableSgd.of(ai.djl.training.tracker.Tracker.cosine().setBaseValue(lr).optFinalValue(0f)
                .setMaxUpdates(Math.max(1, epochs * batchesPerEpoch)).build(), 0.9f, clip);
    }

    private static RunResult result(String label, EpochHistory history, long t0) {
        List<EpochSummary> epochs = history.epochs();
        double accuracy = epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).accuracy();
        return new RunResult(label, accuracy, (System.nanoTime() - t0) / 1e9, history.medianStepSeconds(), epochs);
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

    static TappedNet net(Options o, int classes) {
        return o.getString("arch").equals("resnet") ? TappedNet.resnet(o.getInt("width"), classes)
                : TappedNet.cnn(o.getInt("width"), classes);
    }

    /** A TorchScript teacher, kept open until the job ends. */
    private Block loadTorchScript(Path file, Device device, String key) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file + ": no such TorchScript file (" + key + ".torchscript)");
        }
        Model model = Model.newInstance("teacher", device, "PyTorch");
        models.add(model);
        try {
            model.load(file.toAbsolutePath().getParent(), file.getFileName().toString());
        } catch (ai.djl.MalformedModelException | RuntimeException e) {
            throw new InvalidInputException(file + ": not a loadable TorchScript model (" + e.getMessage() + ")");
        }
        return model.getBlock();
    }

    private static String settingsKey(String teacherName) {
        return teacherName.isEmpty() ? "train.teacher" : "train.teachers." + teacherName;
    }

    private static List<String> outputNames(Options teacher) {
        return List.of(teacher.getString("outputs").split("\\s*,\\s*"));
    }

    /** A zoo net's output shapes, known from its architecture without initialising it. */
    private static Map<String, Shape> outputShapes(Block net, List<String> names, Shape input) {
        Shape[] out = net.getOutputShapes(new Shape[] {input});
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            shapes.put(names.get(i), out[i]);
        }
        return shapes;
    }

    /** A TorchScript teacher's output shapes by one pass on zeros; the config names each returned tensor. */
    private static Map<String, Shape> probeShapes(Block teacher, List<String> names, Data data, String key) {
        try (NDManager probe = data.root().newSubManager()) {
            NDList out = teacher.forward(new ParameterStore(probe, false), new NDList(probe.zeros(data.input())), false);
            if (out.size() != names.size()) {
                throw new InvalidInputException("the TorchScript teacher returns " + out.size() + " tensors, but "
                        + key + ".outputs names " + names.size() + ": " + names);
            }
            Map<String, Shape> shapes = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                // A module returning Dict[str, Tensor] is matched by key, as TappedModel matches it.
                NDArray named = out.get(names.get(i));
                shapes.put(names.get(i), (named != null ? named : out.get(i)).getShape());
            }
            return shapes;
        }
    }

    /** Images, and as labels the classes, one box per image and the image sizes (for FGD); training data shuffled per epoch. */
    /**
     * @param firstIndex 0 for images alone; else the data carries, after the images, each sample's
     *     index in the stored teacher outputs, {@code firstIndex - 1 + i} (test samples follow the training ones)
     */
    private ArrayDataset dataset(NDManager m, Datasets.Split s, EpochShuffle shuffle, int firstIndex) {
        float[] labels = new float[s.count()];
        float[] boxes = new float[s.count() * 4];
        float[] sizes = new float[s.count() * 2];
        for (int i = 0; i < s.count(); i++) {
            labels[i] = s.labels()[i];
            System.arraycopy(s.boxes()[i], 0, boxes, 4 * i, 4);
            sizes[2 * i] = s.size();
            sizes[2 * i + 1] = s.size();
        }
        int batch = settings.run.getInt("batch-size");
        NDArray images = m.create(s.images(), new Shape(s.count(), s.channels(), s.size(), s.size()));
        NDArray[] data = firstIndex == 0 ? new NDArray[] {images}
                : new NDArray[] {images, m.arange(firstIndex - 1, firstIndex - 1 + s.count(), 1, DataType.INT64)};
        return new ArrayDataset.Builder()
                .setData(data)
                .optLabels(m.create(labels), m.create(boxes, new Shape(s.count(), 1, 4)), m.create(sizes, new Shape(s.count(), 2)))
                .setSampling(shuffle != null ? new BatchSampler(shuffle, batch, true)
                        : new BatchSampler(new SequenceSampler(), batch, false))
                .build();
    }

    /** Test accuracy of a loaded teacher, in inference mode (batch norm with running statistics). */
    static double accuracy(Block net, ArrayDataset test, NDManager manager) throws IOException, TranslateException {
        long correct = 0;
        long total = 0;
        try (NDManager m = manager.newSubManager()) {
            for (Batch b : test.getData(m)) {
                NDArray logits = net.forward(new ParameterStore(b.getManager(), false), b.getData(), false).get(0);
                correct += logits.argMax(1).eq(b.getLabels().get(0).toType(DataType.INT64, false)).sum().getLong();
                total += b.getSize();
                b.close();
            }
        }
        return total == 0 ? 0 : (double) correct / total;
    }

    /**
     * Writes the last checkpoint's student alone (no adapters, generators or teacher) as a DJL parameter
     * file, after checking that it is this experiment's student.
     */
    public static Path export(String name, TrainSettings settings, Path target) throws IOException {
        Path runDir = settings.outputDir(name);
        Path last = CheckpointListener.latest(runDir.resolve("checkpoints")).orElseThrow(() ->
                new InvalidInputException(runDir + ": no complete checkpoint to export; run distill train first"));
        int[] cs = Datasets.channelsAndSize(settings.data);
        Properties state = new Properties();
        try (InputStream in = Files.newInputStream(last.resolve("state.properties"))) {
            state.load(in);
        }
        int classes = Integer.parseInt(state.getProperty("classes", "10"));
        TappedNet student = net(settings.student, classes);
        try (NDManager m = NDManager.newBaseManager()) {
            student.initialize(m, DataType.FLOAT32, new Shape(1, cs[0], cs[1], cs[1]));
            ParameterFiles.read(student, last.resolve(CheckpointListener.STUDENT), m,
                    "a checkpoint of this experiment's student");
            ParameterFiles.write(student, target);
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
}
