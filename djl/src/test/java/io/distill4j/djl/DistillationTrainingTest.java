package io.distill4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV1;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.config.ExperimentException;
import io.distill4j.runtime.plan.DistillPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A DJL user's own teacher and student, distilled with EasyTrain.fit and the library's Loss and listener. */
class DistillationTrainingTest {
    private static final Shape IMAGE = new Shape(1, 28, 28);
    private static final int BATCH = 8;

    static DistillPlan plan(String pairs) {
        return Distill4j.start((Path) null).experiments()
                .parse(ConfigFactory.parseString("distill4j { task-loss-weight = 1.0, pairs = [ " + pairs + " ] }",
                        ConfigParseOptions.defaults().setOriginDescription("test.conf")), "test.conf");
    }

    static final String KD_AND_MIMIC = "{ name = logits, student = logits, teacher = logits,"
            + "  losses = [ { type = kd, weight = 0.5, temperature = 2 } ] },"
            + "{ name = feat, student = feat, teacher = feat, adapters = [ { type = conv1x1 }, { type = resize } ],"
            + "  losses = [ { type = mimic, weight = 0.01 } ] }";

    /** Images whose class is the brightest of three horizontal bands, so there is something to learn. */
    static ArrayDataset data(NDManager m, int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] x = new float[n * 28 * 28];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(3);
            y[i] = c;
            for (int p = 0; p < 28 * 28; p++) {
                int band = Math.min(2, (p / 28) / 10);
                x[i * 784 + p] = (float) (r.nextGaussian() * 0.3 + (band == c ? 1 : 0));
            }
        }
        return new ArrayDataset.Builder().setData(m.create(x, new Shape(n, 1, 28, 28))).optLabels(m.create(y))
                .setSampling(BATCH, false).build();
    }

    static Block teacherNet() {
        return ResNetV1.builder().setImageShape(IMAGE).setNumLayers(20).setOutSize(3).build();
    }

    static Block studentNet() {
        return MobileNetV1.builder().optWidthMultiplier(0.25f).setOutSize(3).build();
    }

    private static Map<String, float[]> values(Block block) {
        Map<String, float[]> out = new HashMap<>();
        for (var p : block.getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    @Test
    void easyTrainFitTrainsTheStudentAndThePartsAndLeavesTheTeacherAlone(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("student")) {
            Block teacher = teacherNet();
            teacher.initialize(m, DataType.FLOAT32, new Shape(BATCH).addAll(IMAGE));
            Map<String, float[]> teacherBefore = values(teacher);
            assertTrue(teacherBefore.keySet().stream().anyMatch(k -> k.endsWith("runningMean")), "BN statistics are checked");

            String studentTap = TappedModel.childPaths(studentNet()).stream().filter(p -> p.endsWith("Conv2d"))
                    .skip(4).findFirst().orElseThrow();
            DistillationBlock block = new DistillationBlock(plan(KD_AND_MIMIC),
                    TappedModel.of(studentNet()).tap("feat", studentTap),
                    TappedModel.of(teacher).tap("feat", "03ParallelBlock"));
            model.setBlock(block);
            DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block);
            Path csv = dir.resolve("steps.csv");
            double[] epochKd = new double[1];
            double[] epochTotal = new double[1];
            DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).build())
                    .addEvaluator(new Accuracy())
                    .addEvaluators(loss.termEvaluators())
                    .addTrainingListeners(TrainingListener.Defaults.basic())
                    .addTrainingListeners(new DistillationListener(block, loss, csv));
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.setMetrics(new Metrics());
                trainer.initialize(new Shape(BATCH).addAll(IMAGE));
                Map<String, float[]> studentBefore = values(block.student());
                Map<String, float[]> partsBefore = values(block.distiller().trainableParts());
                assertFalse(partsBefore.isEmpty(), "conv1x1 is a trainable part");
                // The parts are the Trainer's: its block holds them next to the student.
                assertTrue(block.getParameters().keys().contains("02distill_01feat.conv1x1_weight"),
                        "the conv1x1 adapter's weight is a parameter of the trained block");

                EasyTrain.fit(trainer, 2, data(m, 32, 1), data(m, 16, 2));

                assertEquals(8, block.progress().step());
                assertEquals(3, block.progress().epoch());
                Metrics metrics = trainer.getMetrics();
                for (String term : List.of("task", "logits.kd", "logits.kd.weighted", "feat.mimic", "feat.mimic.weighted")) {
                    String name = "train_epoch_" + term;
                    assertTrue(metrics.hasMetric(name), name + " reached DJL's metrics");
                }
                double raw = metrics.latestMetric("train_epoch_logits.kd").getValue();
                epochKd[0] = raw;
                epochTotal[0] = metrics.latestMetric("train_epoch_distillation").getValue();
                double weighted = metrics.latestMetric("train_epoch_logits.kd.weighted").getValue();
                assertTrue(raw > 0, "KD is positive: " + raw);
                assertEquals(0.5 * raw, weighted, 1e-5 * raw);
                assertTrue(metrics.hasMetric("validate_epoch_logits.kd"), "validation computes the terms too");

                assertChanged(studentBefore, values(block.student()), "student");
                assertChanged(partsBefore, values(block.distiller().trainableParts()), "conv1x1 adapter");
                Map<String, float[]> teacherAfter = values(teacher);
                for (var e : teacherBefore.entrySet()) {
                    assertTrue(java.util.Arrays.equals(e.getValue(), teacherAfter.get(e.getKey())),
                            "teacher parameter " + e.getKey() + " untouched");
                }
            }
            List<String> rows = Files.readAllLines(csv);
            assertEquals("epoch,step,total,task,logits.kd.raw,logits.kd.weighted,feat.mimic.raw,feat.mimic.weighted",
                    rows.get(0));
            assertEquals(9, rows.size(), "a header and one row per training step");
            String[] last = rows.get(8).split(",");
            assertEquals("2", last[0]);
            assertEquals("7", last[1]);
            double total = Double.parseDouble(last[2]);
            double sum = Double.parseDouble(last[3]) + Double.parseDouble(last[5]) + Double.parseDouble(last[7]);
            assertEquals(sum, total, 1e-4 * Math.abs(total), "total = task + weighted terms");
            // DJL's epoch averages come from the same host values as the log: the second epoch's rows.
            double kdMean = rows.subList(5, 9).stream().mapToDouble(r -> Double.parseDouble(r.split(",")[4])).average().orElseThrow();
            double totalMean = rows.subList(5, 9).stream().mapToDouble(r -> Double.parseDouble(r.split(",")[2])).average().orElseThrow();
            assertEquals(kdMean, epochKd[0], 1e-6 * kdMean, "train_epoch_logits.kd is the mean of the logged raw KD");
            assertEquals(totalMean, epochTotal[0], 1e-6 * Math.abs(totalMean), "train_epoch_distillation is the mean logged total");
        }
    }

    private static void assertChanged(Map<String, float[]> before, Map<String, float[]> after, String what) {
        boolean changed = before.keySet().stream().anyMatch(k -> !java.util.Arrays.equals(before.get(k), after.get(k)));
        assertTrue(changed, what + " was trained");
    }

    @Test
    void aPairNamingAnOutputNeitherModelHasFailsAtInitialisation() {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("student")) {
            Block teacher = teacherNet();
            teacher.initialize(m, DataType.FLOAT32, new Shape(BATCH).addAll(IMAGE));
            DistillationBlock block = new DistillationBlock(plan(KD_AND_MIMIC), TappedModel.of(studentNet()),
                    TappedModel.of(teacher).tap("feat", "03ParallelBlock"));
            model.setBlock(block);
            DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss))) {
                ExperimentException e = assertThrows(ExperimentException.class,
                        () -> trainer.initialize(new Shape(BATCH).addAll(IMAGE)));
                assertTrue(e.getMessage().contains("pair 'feat' names student feature 'feat', but the student has no such"
                        + " tensor"), e.getMessage());
            }
        }
    }

    @Test
    void anUninitialisedTeacherIsRefused() {
        try (Model model = Model.newInstance("student")) {
            DistillationBlock block = new DistillationBlock(plan(KD_AND_MIMIC.substring(0, KD_AND_MIMIC.indexOf("},") + 1)),
                    TappedModel.of(studentNet()), TappedModel.of(teacherNet()));
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(new DistillationLoss(null, block)))) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> trainer.initialize(new Shape(BATCH).addAll(IMAGE)));
                assertTrue(e.getMessage().contains("teacher is not initialised"), e.getMessage());
            }
        }
    }

    @Test
    void anEvaluationWithoutTheTeacherRunsTheStudentAloneAndReportsItsTaskLoss() throws Exception {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("student")) {
            Block teacher = teacherNet();
            teacher.initialize(m, DataType.FLOAT32, new Shape(BATCH).addAll(IMAGE));
            int[] teacherForwards = {0};
            Block counted = new DelegatingBlock(teacher) {
                @Override
                protected NDList afterForward(NDList outputs) {
                    teacherForwards[0]++;
                    return outputs;
                }
            };
            String kd = KD_AND_MIMIC.substring(0, KD_AND_MIMIC.indexOf("},") + 1);
            DistillationBlock block = new DistillationBlock(plan(kd), TappedModel.of(studentNet()), TappedModel.of(counted))
                    .teacherInEvaluation(false);
            model.setBlock(block);
            DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block);
            DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).build())
                    .addTrainingListeners(TrainingListener.Defaults.basic());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.setMetrics(new Metrics());
                trainer.initialize(new Shape(BATCH).addAll(IMAGE));
                int beforeFit = teacherForwards[0];
                ArrayDataset validate = data(m, 16, 2);
                EasyTrain.fit(trainer, 1, data(m, 32, 1), validate);
                assertEquals(beforeFit + 4, teacherForwards[0], "the teacher ran on the 4 training batches, not on the 2 validation batches");

                // The validation loss is the student's own task loss on the validation data.
                double sum = 0;
                int batches = 0;
                for (Batch b : validate.getData(m)) {
                    NDList predictions = trainer.evaluate(b.getData());
                    assertEquals(block.studentOutputCount(), predictions.size(), "an evaluation pass returns the student's outputs only");
                    sum += Loss.softmaxCrossEntropyLoss().evaluate(b.getLabels(), new NDList(predictions.get(0))).getFloat();
                    batches++;
                    IllegalStateException e = assertThrows(IllegalStateException.class,
                            () -> loss.termEvaluators().get(1).evaluate(b.getLabels(), predictions));
                    assertTrue(e.getMessage().contains("term logits.kd is not computed in an evaluation pass without the teacher"),
                            e.getMessage());
                    b.close();
                }
                assertEquals(2, batches);
                double expected = sum / batches;
                assertEquals(expected, trainer.getMetrics().latestMetric("validate_epoch_distillation").getValue(),
                        1e-5 * Math.max(1, Math.abs(expected)));
                assertEquals(beforeFit + 4, teacherForwards[0], "trainer.evaluate did not run the teacher either");
            }
        }
    }
}
