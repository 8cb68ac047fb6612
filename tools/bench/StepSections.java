import ai.djl.Model;
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
import ai.djl.training.listener.TrainingListener.BatchData;
import ai.djl.training.loss.IndexLoss;
import ai.djl.training.loss.Loss;
import ai.djl.util.PairList;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.distill4j.cli.train.ShapesData;
import io.distill4j.cli.train.TappedNet;
import io.distill4j.djl.CachedTeacher;
import io.distill4j.djl.CheckpointableSgd;
import io.distill4j.djl.DistillationBlock;
import io.distill4j.djl.DistillationListener;
import io.distill4j.djl.DistillationLoss;
import io.distill4j.djl.TappedModel;
import io.distill4j.djl.TeacherOutputs;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.plan.DistillPlan;
import io.distill4j.spi.BatchInputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the time of a distilled step with stored teacher outputs goes, against the student alone, on
 * one thread, the runs taking turns step by step (so that a machine whose speed drifts by tens of
 * percent within seconds weighs on every run alike). Three runs of the default experiment's student:
 *
 * <ul>
 *   <li>{@code alone}: the student on its task loss;</li>
 *   <li>{@code fixed-teacher}: the experiment's distillation with one fixed batch of stored outputs as the
 *       teacher (the distillation's own cost: block, distiller, loss terms, their backward);</li>
 *   <li>{@code stored}: the same with the batch's own stored outputs, read by sample index (adds the gather).</li>
 * </ul>
 *
 * <p>Each step is timed in sections (batch, forward, loss, backward, listeners, optimizer step); the
 * table gives medians. Run from the repository root after {@code ./mvnw -pl cli -am install -DskipTests}
 * and {@code ./distill teacher-outputs EXPERIMENT.conf -o OUTPUTS}:
 *
 * <pre>
 * java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -Dai.djl.pytorch.num_interop_threads=1 \
 *   -DDJL_CACHE_DIR=target/djl-cache -DENGINE_CACHE_DIR=target/djl-cache \
 *   -cp cli/target/distill.jar tools/bench/StepSections.java EXPERIMENT.conf OUTPUTS [STEPS]
 * </pre>
 *
 * The experiment's data must be the built-in shapes (the outputs are read for the same images); it
 * trains on random batches of them with constant learning rate, not the full {@code distill train} loop.
 */
public class StepSections {
    private static final String[] SECTIONS = {"batch", "forward", "loss", "backward", "listeners", "step"};

    /**
     * The process's minor page faults so far (Linux; -1 elsewhere). The same step has run 10-40% slower
     * in one process than in the next, its backward faulting in fresh pages every step: this column shows it.
     */
    private static long minorFaults() {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc/self/stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** One run: its trainer, its data, and every step's section times in nanoseconds. */
    private static final class Run {
        final String name;
        final Trainer trainer;
        final ArrayDataset data;
        final NDManager root;
        final List<long[]> steps = new ArrayList<>();
        long faults;
        Iterator<Batch> batches;

        Run(String name, Trainer trainer, ArrayDataset data, NDManager root) {
            this.name = name;
            this.trainer = trainer;
            this.data = data;
            this.root = root;
        }

        /** One training step as DJL's EasyTrain makes it, timed in sections. */
        void step(boolean record) throws Exception {
            long f0 = minorFaults();
            long t0 = System.nanoTime();
            if (batches == null || !batches.hasNext()) {
                batches = data.getData(root).iterator();
            }
            try (Batch b = batches.next()) {
                long t1 = System.nanoTime();
                BatchData done = new BatchData(b, new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
                long t2;
                long t3;
                long t4;
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    NDList predictions = trainer.forward(b.getData(), b.getLabels());
                    t2 = System.nanoTime();
                    NDArray loss = trainer.getLoss().evaluate(b.getLabels(), predictions);
                    t3 = System.nanoTime();
                    collector.backward(loss);
                    t4 = System.nanoTime();
                    done.getLabels().put(b.getLabels().get(0).getDevice(), b.getLabels());
                    done.getPredictions().put(predictions.get(0).getDevice(), predictions);
                }
                trainer.notifyListeners(l -> l.onTrainingBatch(trainer, done));
                long t5 = System.nanoTime();
                trainer.step();
                long t6 = System.nanoTime();
                if (record) {
                    steps.add(new long[] {t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t6 - t0});
                    faults += minorFaults() - f0;
                }
            }
        }

        double median(int column) {
            return steps.stream().mapToLong(s -> s[column]).sorted().skip(steps.size() / 2).findFirst().orElseThrow() / 1e3;
        }
    }

    /** A teacher whose forward returns one fixed batch of outputs. */
    private static final class FixedTeacher extends AbstractBlock {
        private final NDList outputs;

        FixedTeacher(NDList outputs) {
            super((byte) 1);
            this.outputs = outputs;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            return outputs;
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return outputs.getShapes();
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: StepSections EXPERIMENT.conf TEACHER-OUTPUTS [STEPS]");
            System.exit(2);
        }
        Path experiment = Path.of(args[0]);
        TeacherOutputs outputs = TeacherOutputs.open(Path.of(args[1]));
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        DistillPlan plan = Distill4j.start((Path) null).load(experiment);
        Config train = ConfigFactory.parseFile(experiment.toFile()).withFallback(ConfigFactory.parseString(
                "train { seed = 0, batch-size = 64, learning-rate = 0.05, data.train-size = 6000, student { arch = cnn, width = 4 } }"))
                .resolve().getConfig("train");
        int batch = train.getInt("batch-size");
        int n = Math.min(train.getInt("data.train-size"), outputs.samples());
        ShapesData.Samples shapes = ShapesData.generate(train.getInt("seed"), n, 28);
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            labels[i] = shapes.labels()[i];
        }
        try (NDManager root = NDManager.newBaseManager()) {
            NDArray images = root.create(shapes.images(), new Shape(n, 1, 28, 28));
            ArrayDataset plain = new ArrayDataset.Builder().setData(images).optLabels(root.create(labels))
                    .setSampling(batch, true).build();
            ArrayDataset indexed = new ArrayDataset.Builder().setData(images, root.arange(0, n, 1, DataType.INT64))
                    .optLabels(root.create(labels)).setSampling(batch, true).build();
            Shape input = new Shape(batch, 1, 28, 28);
            float lr = (float) train.getDouble("learning-rate");
            String arch = train.getString("student.arch");
            int width = train.getInt("student.width");
            String[] taps = TappedNet.OUTPUTS.toArray(String[]::new);

            List<Run> runs = new ArrayList<>();
            Model alone = Model.newInstance("alone");
            alone.setBlock(arch.equals("resnet") ? TappedNet.resnet(width, 10) : TappedNet.cnn(width, 10));
            Trainer t = alone.newTrainer(new DefaultTrainingConfig(new IndexLoss(Loss.softmaxCrossEntropyLoss(), 0))
                    .optOptimizer(CheckpointableSgd.of(lr, 0.9f, 0f)));
            t.initialize(input);
            runs.add(new Run("alone", t, plain, root));

            Map<String, Block> teachers = new LinkedHashMap<>();
            teachers.put("fixed-teacher", new FixedTeacher(outputs.gather(root, root.arange(0, batch, 1, DataType.INT64))));
            teachers.put("stored", new CachedTeacher(outputs));
            for (Map.Entry<String, Block> e : teachers.entrySet()) {
                boolean stored = e.getValue() instanceof CachedTeacher;
                Block net = arch.equals("resnet") ? TappedNet.resnet(width, 10) : TappedNet.cnn(width, 10);
                DistillationBlock block = new DistillationBlock(plan, TappedModel.of(net, taps), Map.of("",
                        TappedModel.of(e.getValue(), stored ? ((CachedTeacher) e.getValue()).names()
                                : outputs.taps().keySet().toArray(String[]::new)))).teacherInEvaluation(false);
                Model m = Model.newInstance(e.getKey());
                m.setBlock(block);
                DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block, BatchInputs.TARGETS);
                Trainer d = m.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(CheckpointableSgd.of(lr, 0.9f, 0f))
                        .addTrainingListeners(new DistillationListener(block)));
                if (stored) {
                    d.initialize(input, new Shape(batch));
                } else {
                    d.initialize(input);
                }
                runs.add(new Run(e.getKey(), d, stored ? indexed : plain, root));
            }

            // A warm-up (the JIT compiles every path), then the runs in turn, each round starting with another run.
            for (int i = 0; i < 300; i++) {
                for (Run r : runs) {
                    r.step(false);
                }
            }
            for (int i = 0; i < steps; i++) {
                for (int k = 0; k < runs.size(); k++) {
                    runs.get((i + k) % runs.size()).step(true);
                }
            }
            System.out.printf(Locale.ROOT, "%d steps of each run after 300 of warm-up, in turn; medians in microseconds, minor page faults per step%n", steps);
            StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-14s %8s %8s", "run", "step", "/alone"));
            for (String s : SECTIONS) {
                head.append(String.format(Locale.ROOT, " %9s", s));
            }
            head.append(String.format(Locale.ROOT, " %9s", "faults"));
            System.out.println(head);
            double aloneStep = runs.get(0).median(6);
            for (Run r : runs) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-14s %8.0f %8.3f", r.name, r.median(6),
                        r.median(6) / aloneStep));
                for (int s = 0; s < SECTIONS.length; s++) {
                    row.append(String.format(Locale.ROOT, " %9.0f", r.median(s)));
                }
                row.append(String.format(Locale.ROOT, " %9.1f", (double) r.faults / r.steps.size()));
                System.out.println(row);
            }
            // The ratio in each quarter of the run: how much the machine moved it.
            StringBuilder quarters = new StringBuilder("stored/alone by quarter:");
            for (int q = 0; q < 4; q++) {
                quarters.append(String.format(Locale.ROOT, " %.3f", quarterMedian(runs.get(2), q) / quarterMedian(runs.get(0), q)));
            }
            System.out.println(quarters);
        }
        System.exit(0); // DJL's engine keeps non-daemon threads
    }

    private static double quarterMedian(Run r, int quarter) {
        int from = quarter * r.steps.size() / 4;
        int to = (quarter + 1) * r.steps.size() / 4;
        long[] total = r.steps.subList(from, to).stream().mapToLong(s -> s[6]).sorted().toArray();
        return total[total.length / 2];
    }
}
