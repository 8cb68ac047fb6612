package io.distill4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpointable SGD: its momentum survives a save and load, and a state that does not fit is refused. */
class MomentumSgdTest {
    @TempDir
    Path tmp;

    private static Block linear(NDManager m, int out) {
        Block b = Linear.builder().setUnits(out).build();
        m.getEngine().setRandomSeed(3);
        b.initialize(m, DataType.FLOAT32, new Shape(2, 4));
        return b;
    }

    /** One update of every parameter with a fixed gradient (0.1 * index + 1). */
    private static void step(MomentumSgd sgd, Block b, NDManager m) {
        for (var p : b.getParameters()) {
            NDArray w = p.getValue().getArray();
            NDArray grad = m.arange(0f, w.getShape().size(), 1f).mul(0.1f).add(1f).reshape(w.getShape());
            sgd.update(p.getValue().getId(), w, grad);
        }
    }

    private static float[] weights(Block b) {
        return b.getParameters().get(0).getValue().getArray().toFloatArray();
    }

    /** A fresh block holding the given parameter values. */
    private static Block copy(NDManager m, java.util.List<float[]> values) {
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
            MomentumSgd sgd = MomentumSgd.of(0.1f, 0.9f, 0);
            step(sgd, b, m);
            step(sgd, b, m);
            sgd.save(b.getParameters(), state);
            java.util.List<float[]> saved = new java.util.ArrayList<>();
            b.getParameters().forEach(p -> saved.add(p.getValue().getArray().toFloatArray()));
            step(sgd, b, m);
            float[] uninterrupted = weights(b);

            Block resumed = copy(m, saved);
            MomentumSgd loaded = MomentumSgd.of(0.1f, 0.9f, 0);
            loaded.load(resumed.getParameters(), state, m);
            step(loaded, resumed, m);
            assertArrayEquals(uninterrupted, weights(resumed), "the loaded optimizer takes the uninterrupted step");

            Block restarted = copy(m, saved);
            step(MomentumSgd.of(0.1f, 0.9f, 0), restarted, m);
            assertFalse(java.util.Arrays.equals(uninterrupted, weights(restarted)), "without its state, the step differs");
        }
    }

    @Test
    void aStateForOtherParametersIsRefusedNamingTheFileAndParameter() throws IOException {
        Path state = tmp.resolve("optimizer.ndlist");
        try (NDManager m = NDManager.newBaseManager()) {
            Block b = linear(m, 3);
            MomentumSgd sgd = MomentumSgd.of(0.1f, 0.9f, 0);
            step(sgd, b, m);
            sgd.save(b.getParameters(), state);
            Block wider = linear(m, 5);
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> MomentumSgd.of(0.1f, 0.9f, 0).load(wider.getParameters(), state, m));
            assertTrue(e.getMessage().startsWith(state + ": optimizer state for '"), e.getMessage());

            Path garbage = Files.writeString(tmp.resolve("broken.ndlist"), "not an NDList");
            InvalidInputException g = assertThrows(InvalidInputException.class,
                    () -> MomentumSgd.of(0.1f, 0.9f, 0).load(b.getParameters(), garbage, m));
            assertTrue(g.getMessage().startsWith(garbage + ": unreadable optimizer state"), g.getMessage());

            byte[] whole = Files.readAllBytes(state);
            Path cut = Files.write(tmp.resolve("cut.ndlist"), java.util.Arrays.copyOf(whole, whole.length / 2));
            InvalidInputException c = assertThrows(InvalidInputException.class,
                    () -> MomentumSgd.of(0.1f, 0.9f, 0).load(b.getParameters(), cut, m));
            assertTrue(c.getMessage().startsWith(cut + ": unreadable optimizer state"), c.getMessage());
        }
    }
}
