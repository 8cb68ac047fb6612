package io.distill4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import io.distill4j.runtime.config.ExperimentException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Several teachers, and a student that teaches itself. */
class TeachersTest {
    private static final Shape INPUT = new Shape(8, 1, 28, 28);

    /** conv(w) relu, conv(2w, stride 2) relu, pool, flatten, linear(3): the ReLUs are children "2" and "4". */
    private static SequentialBlock small(int width) {
        return TrajectoryParityTest.net(width, 3);
    }

    private static Block initialised(Block b, NDManager m) {
        b.initialize(m, DataType.FLOAT32, INPUT);
        return b;
    }

    @Test
    void twoTeachersEachTeachTheirPair() throws Exception {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("student")) {
            Map<String, TappedModel> teachers = new LinkedHashMap<>();
            teachers.put("big", TappedModel.of(initialised(DistillationTrainingTest.teacherNet(), m)));
            teachers.put("small", TappedModel.of(initialised(small(8), m)).tap("s2", "3"));
            DistillationBlock block = new DistillationBlock(DistillationTrainingTest.plan(
                    "{ name = big, student = logits, teacher = big.logits, losses = [ { type = kd, weight = 0.5 } ] },"
                    + "{ name = small, student = logits, teacher = small.logits, losses = [ { type = kd, weight = 0.25 } ] },"
                    + "{ name = feat, student = s2, teacher = small.s2, adapters = [ { type = conv1x1 } ],"
                    + "  losses = [ { type = mimic, weight = 0.1 } ] }"),
                    TappedModel.of(small(4)).tap("s2", "3"), teachers);
            assertEquals(java.util.List.of("big.logits", "small.logits", "small.s2"), block.teacherOutputNames());
            model.setBlock(block);
            DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).addEvaluators(loss.termEvaluators())
                    .addTrainingListeners(TrainingListener.Defaults.basic()).addTrainingListeners(new DistillationListener(block)))) {
                trainer.setMetrics(new Metrics());
                trainer.initialize(INPUT);
                EasyTrain.fit(trainer, 1, DistillationTrainingTest.data(m, 16, 3), null);
                Metrics metrics = trainer.getMetrics();
                double big = metrics.latestMetric("train_epoch_big.kd").getValue();
                double smallKd = metrics.latestMetric("train_epoch_small.kd").getValue();
                assertTrue(big > 0 && smallKd > 0 && big != smallKd, big + " " + smallKd);
                assertTrue(metrics.latestMetric("train_epoch_feat.mimic").getValue() > 0);
            }
        }
    }

    @Test
    void aPairNamingAnUnknownTeacherIsRefusedWithTheClosestName() {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("student")) {
            DistillationBlock block = new DistillationBlock(DistillationTrainingTest.plan(
                    "{ name = p, student = logits, teacher = bigg.logits, losses = [ { type = kd } ] }"),
                    TappedModel.of(small(4)), Map.of("big", TappedModel.of(initialised(small(8), m))));
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(new DistillationLoss(null, block)))) {
                ExperimentException e = assertThrows(ExperimentException.class, () -> trainer.initialize(INPUT));
                assertTrue(e.getMessage().contains("names teacher feature 'bigg.logits'"), e.getMessage());
                assertTrue(e.getMessage().contains("did you mean 'big.logits'?"), e.getMessage());
            }
        }
    }

    @Test
    void aTeacherCannotTakeTheStudentsName() {
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistillationBlock(
                    DistillationTrainingTest.plan("{ name = p, student = logits, teacher = logits, losses = [ { type = kd } ] }"),
                    TappedModel.of(small(4)), Map.of("student", TappedModel.of(initialised(small(8), m)))));
            assertTrue(e.getMessage().contains("'student' names the student's own outputs"), e.getMessage());
        }
    }

    @Test
    void selfDistillationDetachesTheDeeperTap() {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("student")) {
            SequentialBlock student = small(4);
            DistillationBlock block = new DistillationBlock(DistillationTrainingTest.plan(
                    "{ name = self, student = s1, teacher = student.s2, adapters = [ { type = conv1x1 }, { type = resize } ],"
                    + "  losses = [ { type = mimic } ] }"),
                    TappedModel.of(student).tap("s1", "2").tap("s2", "4"), TappedModel.of(initialised(small(8), m)));
            model.setBlock(block);
            DistillationLoss loss = new DistillationLoss(null, block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss))) {
                trainer.initialize(INPUT);
                NDList x = new NDList(m.randomNormal(INPUT));
                NDList labels = new NDList(m.zeros(new Shape(8)));
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDList predictions = trainer.forward(x, labels);
                    gc.backward(loss.evaluate(labels, predictions));
                }
                var params = block.getParameters();
                // The shallow conv learns from the deeper tap; the deeper conv is not pulled towards the shallow one.
                float shallow = params.get("01student_01Conv2d_weight").getArray().getGradient().abs().sum().getFloat();
                float deep = params.get("01student_03Conv2d_weight").getArray().getGradient().abs().sum().getFloat();
                assertTrue(shallow > 0, "shallow gradient " + shallow);
                assertEquals(0f, deep, "deep gradient");
            }
        }
    }

    @Test
    void aSelfDistillationPairOnItsOwnTensorIsRefused() {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("student")) {
            DistillationBlock block = new DistillationBlock(DistillationTrainingTest.plan(
                    "{ name = same, student = s1, teacher = student.s1, losses = [ { type = mimic } ] }"),
                    TappedModel.of(small(4)).tap("s1", "2"), TappedModel.of(initialised(small(8), m)));
            model.setBlock(block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(new DistillationLoss(null, block)))) {
                ExperimentException e = assertThrows(ExperimentException.class, () -> trainer.initialize(INPUT));
                assertTrue(e.getMessage().contains("pair 'same' takes student 's1' as its own teacher"), e.getMessage());
                assertTrue(e.getMessage().contains("test.conf"), e.getMessage());
            }
        }
    }

    @Test
    void aTeacherWhoseOutputShapeChangesBetweenBatchesIsStoppedNamingThePair() {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("student")) {
            // Three classes on full batches, four on the short last one.
            Block shifty = new ai.djl.nn.LambdaBlock(x -> new NDList(x.head().getManager()
                    .zeros(new Shape(x.head().getShape().get(0), x.head().getShape().get(0) == 8 ? 3 : 4))));
            DistillationBlock block = new DistillationBlock(DistillationTrainingTest.plan(
                    "{ name = p, student = logits, teacher = logits, losses = [ { type = kd } ] }"),
                    TappedModel.of(small(4)), TappedModel.of(shifty));
            model.setBlock(block);
            DistillationLoss loss = new DistillationLoss(null, block);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss)
                    .addTrainingListeners(new DistillationListener(block)))) {
                trainer.initialize(INPUT);
                io.distill4j.runtime.BatchException e = assertThrows(io.distill4j.runtime.BatchException.class,
                        () -> EasyTrain.fit(trainer, 1, DistillationTrainingTest.data(m, 12, 4), null));
                assertTrue(e.getMessage().contains("pair 'p' (test.conf: 1): teacher tensor 'logits' has shape (4, 4), but the"
                        + " distiller was created for (8, 3)"), e.getMessage());
            }
        }
    }
}
