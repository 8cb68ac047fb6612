package io.distill4j.plugin.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.typesafe.config.ConfigFactory;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.DistillBatch;
import io.distill4j.runtime.Distiller;
import io.distill4j.runtime.plan.DistillPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainable parts of a distillation (here a conv1x1 adapter and MGD's generator) train with an
 * optimizer, and persist: saved to a DJL parameter file and loaded into a new Distiller, they give
 * the same next-step loss as the run that never stopped.
 */
class TrainablePartsTrainingTest {
    private static final Shape STUDENT = new Shape(2, 4, 6, 6);
    private static final Shape TEACHER = new Shape(2, 8, 6, 6);

    @TempDir
    Path tmp;

    private static Distiller distiller() {
        DistillPlan plan = Distill4j.start((Path) null).experiments().parse(ConfigFactory.parseString(
                "distill4j { task-loss-weight = 0, pairs = [ { name = p, student = s, teacher = t,"
                        + " adapters = [ { type = conv1x1 } ], losses = [ { type = mgd, alpha = 0.01 } ] } ] }"), "train.conf");
        return Distiller.create(plan, Map.of("s", STUDENT), Map.of("t", TEACHER));
    }

    /** A fixed batch: the same student, teacher and MGD mask at every step. */
    private record Batch(NDArray student, NDArray teacher, NDArray mask) {}

    private static Batch batch(NDManager m) {
        m.getEngine().setRandomSeed(5);
        NDArray mask = m.randomUniform(0, 1, new Shape(2, 1, 6, 6)).gt(0.65f).logicalNot().toType(DataType.FLOAT32, false);
        return new Batch(m.randomNormal(STUDENT), m.randomNormal(TEACHER), mask);
    }

    /** One step in its own sub-manager; with an optimizer it also updates the parameters. */
    private static float step(Distiller d, Batch b, NDManager m, Optimizer optimizer) {
        try (NDManager step = m.newSubManager()) {
            DistillBatch batch = DistillBatch.builder(step).student("s", b.student()).teacher("t", b.teacher())
                    .input("mask.p", b.mask()).build();
            Map<String, Parameter> params = d.trainableParts().namedParameters();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray total = d.compute(batch).total();
                float loss = total.getFloat();
                if (optimizer == null) {
                    return loss;
                }
                gc.backward(total);
                for (Parameter p : params.values()) {
                    if (p.requiresGradient()) {
                        NDArray grad = p.getArray().getGradient();
                        optimizer.update(p.getId(), p.getArray(), grad);
                        grad.subi(grad); // DJL does not zero gradients between backward passes
                    }
                }
                return loss;
            }
        }
    }

    private static Distiller initialised(NDManager m) {
        Distiller d = distiller();
        d.initialize(m, DataType.FLOAT32);
        return d;
    }

    private static Optimizer sgd() {
        return Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).build();
    }

    @Test
    void lossFallsAndParametersChange() {
        try (NDManager m = NDManager.newBaseManager()) {
            Batch b = batch(m);
            Distiller d = initialised(m);
            NDArray before = d.trainableParts().namedParameters().get("p.conv1x1.weight").getArray().duplicate();
            Optimizer optimizer = sgd();
            List<Float> losses = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                losses.add(step(d, b, m, optimizer));
            }
            NDArray after = d.trainableParts().namedParameters().get("p.conv1x1.weight").getArray();
            for (int i = 1; i < losses.size(); i++) {
                assertTrue(losses.get(i) < losses.get(i - 1), "on a fixed batch every step should lower the loss: " + losses);
            }
            assertTrue(losses.get(29) < 0.6f * losses.get(0), "30 steps should cut the loss by 40%: " + losses);
            assertTrue(after.sub(before).abs().max().getFloat() > 1e-4f, "the adapter's weights should move");
        }
    }

    @Test
    void savedPartsResumeWithTheSameNextStepLossAndKeepTraining() throws IOException {
        Path saved = tmp.resolve("parts.params");
        float uninterrupted;
        float uninterruptedAfterAStep;
        try (NDManager m = NDManager.newBaseManager()) {
            Batch b = batch(m);
            Distiller d = initialised(m);
            Optimizer optimizer = sgd();
            for (int i = 0; i < 10; i++) {
                step(d, b, m, optimizer);
            }
            d.trainableParts().save(saved);
            uninterrupted = step(d, b, m, null);
            step(d, b, m, optimizer);
            uninterruptedAfterAStep = step(d, b, m, null);
        }
        assertTrue(Files.size(saved) > 0);
        try (NDManager m = NDManager.newBaseManager()) {
            Batch b = batch(m);
            Distiller fresh = initialised(m);
            float unloaded = step(fresh, b, m, null);
            fresh.trainableParts().load(saved, m);
            float resumed = step(fresh, b, m, null);
            assertEquals(uninterrupted, resumed, 0f, "a resumed distiller computes exactly the next-step loss");
            assertNotEquals(uninterrupted, unloaded, "without loading, the parts are a fresh initialisation");
            // Loaded parts keep training: the next update is the uninterrupted run's (plain SGD, no state).
            step(fresh, b, m, sgd());
            assertEquals(uninterruptedAfterAStep, step(fresh, b, m, null), 0f, "loaded parts train on as before the save");
        }
    }
}
