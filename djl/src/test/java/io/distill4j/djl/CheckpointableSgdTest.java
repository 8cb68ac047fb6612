package io.distill4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import io.distill4j.runtime.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpointable SGD: its momentum survives a save and load, and a state that does not fit is refused. */
class CheckpointableSgdTest {
    @TempDir
    Path tmp;

    private static Block linear(NDManager m, int out) {
        Block b = Linear.builder().setUnits(out).build();
        m.getEngine().setRandomSeed(3);
        b.initialize(m, DataType.FLOAT32, new Shape(2, 4));
        return b;
    }

    /** One update of every parameter with a fixed gradient (0.1 * index + 1). */
    private static void step(CheckpointableSgd sgd, Block b, NDManager m) {
        for (var p : b.getParameters()) {
            NDArray w = p.getValue().getArray();
            NDArray grad = m.arange(0f, w.getShape().size(), 1f).mul(0.1f).add(1f).reshape(w.getShape());
            sgd.update(p.getValue().getId(), w, grad);
        }
    }

    private static CheckpointableSgd sgd() {
        return CheckpointableSgd.of(0.1f, 0.9f, 0);
    }

    /** A fresh optimizer after {@code steps} updates of {@code b}, its state saved to {@code state}. */
    private static CheckpointableSgd stepAndSave(Block b, NDManager m, int steps, Path state) throws IOException {
        CheckpointableSgd sgd = sgd();
        for (int i = 0; i < steps; i++) {
            step(sgd, b, m);
        }
        sgd.save(b.getParameters(), state);
        return sgd;
    }

    /** Every parameter's values, one after another (weight, then bias). */
    private static float[] weights(Block b) {
        List<float[]> all = new ArrayList<>();
        b.getParameters().forEach(p -> all.add(p.getValue().getArray().toFloatArray()));
        float[] joined = new float[all.stream().mapToInt(a -> a.length).sum()];
        int at = 0;
        for (float[] a : all) {
            System.arraycopy(a, 0, joined, at, a.length);
            at += a.length;
        }
        return joined;
    }

    /** A fresh block holding the given parameter values. */
    private static Block copy(NDManager m, List<float[]> values) {
        Block b = linear(m, 3);
        for (int i = 0; i < values.size(); i++) {
            b.getParameters().get(i).getValue().getArray().set(values.get(i));
        }
        return b;
    }

    @Test
    void momentumSurvivesSaveAndLoad() throws IOException {
        Path state = tmp.resolve("optimizer.ndlist");
        try (NDManager m = NDManager.newBaseManager()) {
            Block b = linear(m, 3);
            CheckpointableSgd sgd = stepAndSave(b, m, 2, state);
            List<float[]> saved = new ArrayList<>();
            b.getParameters().forEach(p -> saved.add(p.getValue().getArray().toFloatArray()));
            step(sgd, b, m);
            float[] uninterrupted = weights(b);

            Block resumed = copy(m, saved);
            CheckpointableSgd loaded = sgd();
            loaded.load(resumed.getParameters(), state, m);
            step(loaded, resumed, m);
            assertArrayEquals(uninterrupted, weights(resumed), "the loaded optimizer takes the uninterrupted step");

            Block restarted = copy(m, saved);
            step(sgd(), restarted, m);
            assertFalse(Arrays.equals(uninterrupted, weights(restarted)), "without its state, the step differs");
        }
    }

    @Test
    void aStateForOtherParametersIsRefusedNamingTheFileAndParameter() throws IOException {
        Path state = tmp.resolve("optimizer.ndlist");
        try (NDManager m = NDManager.newBaseManager()) {
            Block b = linear(m, 3);
            stepAndSave(b, m, 1, state);
            Block wider = linear(m, 5);
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> sgd().load(wider.getParameters(), state, m));
            assertTrue(e.getMessage().startsWith(state + ": optimizer state for '"), e.getMessage());

            Path garbage = Files.writeString(tmp.resolve("broken.ndlist"), "not an NDList");
            InvalidInputException g = assertThrows(InvalidInputException.class,
                    () -> sgd().load(b.getParameters(), garbage, m));
            assertTrue(g.getMessage().startsWith(garbage + ": unreadable optimizer state"), g.getMessage());

            byte[] whole = Files.readAllBytes(state);
            Path cut = Files.write(tmp.resolve("cut.ndlist"), Arrays.copyOf(whole, whole.length / 2));
            InvalidInputException c = assertThrows(InvalidInputException.class,
                    () -> sgd().load(b.getParameters(), cut, m));
            assertTrue(c.getMessage().startsWith(cut + ": unreadable optimizer state"), c.getMessage());
        }
    }

    /** The same steps as DJL's own SGD with momentum (which cannot be checkpointed): the same weights. */
    @Test
    void updatesAsDjlsSgdWithMomentum() {
        for (float clip : new float[] {0f, 1.5f}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Block ours = linear(m, 3);
                Block djls = linear(m, 3);
                assertArrayEquals(weights(ours), weights(djls), "the same start");
                CheckpointableSgd sgd = CheckpointableSgd.of(0.1f, 0.9f, clip);
                ai.djl.training.optimizer.Sgd.Builder builder = ai.djl.training.optimizer.Optimizer.sgd()
                        .setLearningRateTracker(ai.djl.training.tracker.Tracker.fixed(0.1f)).optMomentum(0.9f);
                if (clip > 0) {
                    builder.optClipGrad(clip);
                }
                ai.djl.training.optimizer.Optimizer reference = builder.build();
                for (int i = 0; i < 6; i++) {
                    step(sgd, ours, m);
                    for (var p : djls.getParameters()) {
                        NDArray w = p.getValue().getArray();
                        NDArray grad = m.arange(0f, w.getShape().size(), 1f).mul(0.1f).add(1f).reshape(w.getShape());
                        reference.update(p.getValue().getId(), w, grad);
                    }
                }
                float[] a = weights(ours);
                float[] b = weights(djls);
                for (int k = 0; k < a.length; k++) {
                    assertEquals(b[k], a[k], 1e-6f * Math.max(1f, Math.abs(b[k])), "clip " + clip + ", weight " + k);
                }
                assertFalse(java.util.Arrays.equals(a, weights(linear(m, 3))), "six steps moved the weights");
            }
        }
    }

    private static ai.djl.training.tracker.Tracker cosine() {
        return ai.djl.training.tracker.Tracker.cosine().setBaseValue(0.1f).optFinalValue(0f).setMaxUpdates(6).build();
    }

    /** A schedule as DJL's SGD follows it (the same tracker), and a resumed run continuing it, not restarting it. */
    @Test
    void followsATrackerAsDjlsSgdDoesAndAResumeContinuesTheSchedule() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Block ours = linear(m, 3);
            Block djls = linear(m, 3);
            CheckpointableSgd sgd = CheckpointableSgd.of(cosine(), 0.9f, 0);
            ai.djl.training.optimizer.Optimizer reference = ai.djl.training.optimizer.Optimizer.sgd()
                    .setLearningRateTracker(cosine()).optMomentum(0.9f).build();
            for (int i = 0; i < 6; i++) {
                step(sgd, ours, m);
                for (var p : djls.getParameters()) {
                    NDArray w = p.getValue().getArray();
                    reference.update(p.getValue().getId(), w, m.arange(0f, w.getShape().size(), 1f).mul(0.1f).add(1f)
                            .reshape(w.getShape()));
                }
            }
            float[] a = weights(ours);
            float[] b = weights(djls);
            for (int k = 0; k < a.length; k++) {
                assertEquals(b[k], a[k], 1e-6f * Math.max(1f, Math.abs(b[k])), "weight " + k);
            }
            float[] fixed = weights(stepped(m, CheckpointableSgd.of(0.1f, 0.9f, 0), 6));
            assertFalse(Arrays.equals(a, fixed), "the schedule changed the steps");

            Path state = tmp.resolve("cosine.ndlist");
            Block b3 = linear(m, 3);
            CheckpointableSgd first = CheckpointableSgd.of(cosine(), 0.9f, 0);
            for (int i = 0; i < 3; i++) {
                step(first, b3, m);
            }
            first.save(b3.getParameters(), state);
            List<float[]> saved = new ArrayList<>();
            b3.getParameters().forEach(p -> saved.add(p.getValue().getArray().toFloatArray()));
            step(first, b3, m);
            float[] uninterrupted = weights(b3);

            Block resumed = copy(m, saved);
            CheckpointableSgd loaded = CheckpointableSgd.of(cosine(), 0.9f, 0);
            loaded.load(resumed.getParameters(), state, m);
            loaded.resumeAt(3);
            step(loaded, resumed, m);
            assertArrayEquals(uninterrupted, weights(resumed), "step 4 at step 4's learning rate");

            Block restarted = copy(m, saved);
            CheckpointableSgd fromZero = CheckpointableSgd.of(cosine(), 0.9f, 0);
            fromZero.load(restarted.getParameters(), state, m);
            step(fromZero, restarted, m);
            assertFalse(Arrays.equals(uninterrupted, weights(restarted)), "without resumeAt the schedule restarts");
        }
    }

    private static Block stepped(NDManager m, CheckpointableSgd sgd, int steps) {
        Block b = linear(m, 3);
        for (int i = 0; i < steps; i++) {
            step(sgd, b, m);
        }
        return b;
    }
}
