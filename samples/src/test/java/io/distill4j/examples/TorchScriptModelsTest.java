package io.distill4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.typesafe.config.ConfigFactory;
import io.distill4j.djl.DistillationBlock;
import io.distill4j.djl.DistillationListener;
import io.distill4j.djl.DistillationLoss;
import io.distill4j.djl.TappedModel;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.plan.DistillPlan;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TorchScript models (written by samples/models/make_torchscript.py) as teacher and as trainable student. */
class TorchScriptModelsTest {
    private static final Path MODELS = Path.of("models");
    private static final Shape INPUT = new Shape(32, 1, 28, 28);

    static Model load(String file, boolean trainable) throws Exception {
        Model model = Model.newInstance(file, ai.djl.Device.cpu(), "PyTorch");
        model.load(MODELS, file, trainable ? Map.of("trainParam", "true") : Map.of());
        return model;
    }

    static DistillPlan plan() {
        return Distill4j.start((Path) null).experiments().parse(ConfigFactory.parseString(
                "distill4j { pairs = ["
                + " { name = logits, student = logits, teacher = logits, losses = [ { type = kd, weight = 0.5 } ] },"
                + " { name = feature, student = feature, teacher = feature, adapters = [ { type = conv1x1 } ],"
                + "   losses = [ { type = mimic, weight = 0.1 } ] } ] }"), "torchscript.conf");
    }

    @Test
    void aDictTeachersNamesAreItsKeysAndItsTupleTwinGivesTheSameTensors() throws Exception {
        try (Model dict = load("tiny-teacher-dict.pt", false); Model tuple = load("tiny-teacher-tuple.pt", false);
             NDManager m = NDManager.newBaseManager()) {
            List<String> keys = TappedModel.outputNamesOf(dict.getBlock(), INPUT);
            assertEquals(java.util.Set.of("logits", "feature"), java.util.Set.copyOf(keys));
            NDArray x = m.randomNormal(INPUT);
            NDList a = TappedModel.of(dict.getBlock(), "logits", "feature").forward(new ParameterStore(m, false), new NDList(x), false);
            NDList b = TappedModel.of(tuple.getBlock(), "logits", "feature").forward(new ParameterStore(m, false), new NDList(x), false);
            assertEquals(new Shape(32, 10), a.get(0).getShape());
            assertEquals(new Shape(32, 16, 14, 14), a.get(1).getShape());
            assertTrue(a.get(0).allClose(b.get(0)) && a.get(1).allClose(b.get(1)), "dict outputs are matched by key");
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> TappedModel.outputNamesOf(tuple.getBlock(), INPUT));
            assertTrue(e.getMessage().contains("unnamed output(s)"), e.getMessage());
        }
    }

    @Test
    void aTorchScriptTeacherDistilsATrainableTorchScriptStudent() throws Exception {
        try (Model teacher = load("tiny-teacher-dict.pt", false); Model student = load("tiny-student.pt", true);
             NDManager m = NDManager.newBaseManager()) {
            Block studentBlock = student.getBlock();
            Map<String, float[]> before = new HashMap<>();
            studentBlock.getParameters().forEach(p -> before.put(p.getKey(), p.getValue().getArray().toFloatArray()));
            assertTrue(!before.isEmpty(), "trainParam = true exposes the module's parameters");

            DistillationBlock block = new DistillationBlock(plan(), TappedModel.of(studentBlock, "logits", "feature"),
                    TappedModel.of(teacher.getBlock(), TappedModel.outputNamesOf(teacher.getBlock(), INPUT).toArray(String[]::new)));
            DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block);
            try (Model distilled = Model.newInstance("distilled")) {
                distilled.setBlock(block);
                DefaultTrainingConfig config = new DefaultTrainingConfig(loss).addEvaluators(loss.termEvaluators())
                        .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).build())
                        .addTrainingListeners(TrainingListener.Defaults.basic()).addTrainingListeners(new DistillationListener(block));
                try (Trainer trainer = distilled.newTrainer(config)) {
                    trainer.setMetrics(new Metrics());
                    trainer.initialize(INPUT);
                    EasyTrain.fit(trainer, 1, OwnModelsExample.shapes(m, 0, 128), null);
                    assertTrue(trainer.getMetrics().latestMetric("train_epoch_feature.mimic").getValue() > 0);
                    assertTrue(trainer.getMetrics().latestMetric("train_epoch_logits.kd").getValue() > 0);
                }
            }
            boolean changed = studentBlock.getParameters().stream()
                    .anyMatch(p -> !java.util.Arrays.equals(before.get(p.getKey()), p.getValue().getArray().toFloatArray()));
            assertTrue(changed, "the TorchScript student was trained");
        }
    }

    @Test
    void aTorchScriptModelReturningFewerOutputsThanNamedIsRefusedBeforeTraining() throws Exception {
        try (Model teacher = load("tiny-teacher-tuple.pt", false); Model distilled = Model.newInstance("distilled")) {
            DistillationBlock block = new DistillationBlock(plan(),
                    TappedModel.of(smallStudent()),
                    TappedModel.of(teacher.getBlock(), "logits", "feature", "extra"));
            distilled.setBlock(block);
            try (Trainer trainer = distilled.newTrainer(new DefaultTrainingConfig(new DistillationLoss(null, block)))) {
                InvalidInputException e = assertThrows(InvalidInputException.class, () -> trainer.initialize(INPUT));
                assertTrue(e.getMessage().contains("returns 2 output(s), but 3 are named: logits, feature, extra"), e.getMessage());
            }
        }
    }

    private static Block smallStudent() {
        return ai.djl.basicmodelzoo.cv.classification.MobileNetV1.builder().optWidthMultiplier(0.25f).setOutSize(10).build();
    }
}
