package io.distill4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.distill4j.runtime.NpzFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A whole training trajectory against PyTorch's same loop (tools/golden/trajectory.py, torch 2.13):
 * the same models, initial weights, batches and SGD with momentum, 56 steps, through distill4j-djl
 * inside DJL's EasyTrain.fit. Every step's total loss and every final weight must agree within 1e-4
 * relative.
 */
class TrajectoryParityTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/trajectory.npz");
    private static final Shape BATCH = new Shape(8, 1, 12, 12);
    private static final double TOLERANCE = 1e-4;

    /** conv(w) relu conv(2w, stride 2) relu | pool flatten linear(10), as the generator's net(). */
    static SequentialBlock net(int width) {
        return net(width, 10);
    }

    /** The same with {@code classes} outputs: children 01Conv2d, 03Conv2d (its ReLU is "4"), 07Linear. */
    static SequentialBlock net(int width, int classes) {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(width).build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).optStride(new Shape(2, 2))
                        .setFilters(2 * width).build())
                .add(Activation.reluBlock())
                .add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(classes).build());
    }

    static void load(Block block, String prefix, Map<String, NDArray> golden) {
        for (var p : block.getParameters()) {
            NDArray value = golden.get(prefix + p.getKey());
            assertTrue(value != null, "golden file has " + prefix + p.getKey());
            value.copyTo(p.getValue().getArray());
        }
    }

    /** max |a - b| / max |b|: the difference relative to the tensor's scale. */
    private static double relative(NDArray actual, NDArray expected) {
        double scale = expected.abs().max().getFloat();
        return actual.sub(expected).abs().max().getFloat() / Math.max(scale, 1e-12);
    }

    @ParameterizedTest
    @ValueSource(strings = {"kd", "kd_mimic"})
    void everyStepAndEveryFinalWeightAsPyTorchsLoop(String recipe) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("student")) {
            Map<String, NDArray> g = NpzFiles.read(GOLDEN, m);
            SequentialBlock teacher = net(8);
            teacher.initialize(m, DataType.FLOAT32, BATCH);
            load(teacher, "teacher.", g);
            String pairs = "{ name = logits, student = logits, teacher = logits,"
                    + "  losses = [ { type = kd, weight = 0.5, temperature = 2 } ] }";
            if (recipe.equals("kd_mimic")) {
                pairs += ", { name = feat, student = feat, teacher = feat, adapters = [ { type = conv1x1 } ],"
                        + "  losses = [ { type = mimic, weight = 0.5 } ] }";
            }
            DistillationBlock block = new DistillationBlock(DistillationTrainingTest.plan(pairs),
                    TappedModel.of(net(4)).tap("feat", "4"), TappedModel.of(teacher).tap("feat", "4"));
            model.setBlock(block);
            DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block);
            List<Float> totals = new ArrayList<>();
            DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).build())
                    .addTrainingListeners(new DistillationListener(block))
                    .addTrainingListeners(new TrainingListenerAdapter() {
                        @Override
                        public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                            totals.add(loss.lastResult().total().getFloat());
                        }
                    });
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(BATCH);
                load(block.student(), "student.", g);
                Map<String, NDArray> parts = new LinkedHashMap<>();
                block.distiller().trainableParts().namedParameters().keySet()
                        .forEach(k -> parts.put(k, g.get(recipe + ".init." + k)));
                block.distiller().trainableParts().assign(parts, GOLDEN.toString());

                ArrayDataset data = new ArrayDataset.Builder().setData(g.get("inputs")).optLabels(g.get("labels"))
                        .setSampling(8, false).build();
                EasyTrain.fit(trainer, 7, data, null);
            }

            float[] expected = g.get(recipe + ".losses").toFloatArray();
            assertEquals(expected.length, totals.size(), "one total per step");
            double worstStep = 0;
            for (int i = 0; i < expected.length; i++) {
                worstStep = Math.max(worstStep, Math.abs(totals.get(i) - expected[i]) / Math.abs(expected[i]));
            }
            double worstWeight = 0;
            String worstName = "";
            for (var p : block.student().getParameters()) {
                double r = relative(p.getValue().getArray(), g.get(recipe + ".final.student." + p.getKey()));
                if (r > worstWeight) {
                    worstWeight = r;
                    worstName = p.getKey();
                }
            }
            for (Map.Entry<String, Parameter> p : block.distiller().trainableParts().namedParameters().entrySet()) {
                double r = relative(p.getValue().getArray(), g.get(recipe + ".final." + p.getKey()));
                if (r > worstWeight) {
                    worstWeight = r;
                    worstName = p.getKey();
                }
            }
            System.out.printf("trajectory %s: %d steps, loss %.6f -> %.6f, max relative difference per step %.2e,"
                    + " final weights %.2e (%s)%n", recipe, expected.length, expected[0], expected[expected.length - 1],
                    worstStep, worstWeight, worstName);
            assertTrue(expected[expected.length - 1] < expected[0], "the loop learned something");
            assertTrue(worstStep < TOLERANCE, "per-step total: " + worstStep);
            assertTrue(worstWeight < TOLERANCE, "final weight " + worstName + ": " + worstWeight);
        }
    }
}
