package io.distill4j.plugin.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.DistillBatch;
import io.distill4j.runtime.Distiller;
import io.distill4j.runtime.NonFiniteLossException;
import io.distill4j.runtime.plan.DistillPlan;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link FeatureMaps#squaredError}, the dot-product form behind Mimic, MGD and TaT: its value and
 * gradient on numbers worked by hand (the golden tests cover it against PyTorch), and an overflow,
 * which it reads as NaN where {@code mse_loss} reads infinity, is still stopped naming the pair.
 */
class SquaredErrorTest {
    @Test
    void valueIsScaleTimesTheSumOfSquaresAndGradientTwiceScaleTimesTheDifference() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
            NDArray target = m.create(new float[] {0, 4, 3, 1}, new Shape(2, 2));
            x.setRequiresGradient(true);
            NDArray loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                loss = FeatureMaps.squaredError(x, target, 0.25f);
                gc.backward(loss);
            }
            // d = (1, -2, 0, 3): sum d^2 = 14, times 0.25; gradient 2 * 0.25 * d.
            assertEquals(3.5f, loss.getFloat(), 1e-6f);
            assertArrayEquals(new float[] {0.5f, -1, 0, 1.5f}, x.getGradient().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void anOverflowingMimicIsStoppedNamingThePair() {
        DistillPlan plan = Distill4j.start((Path) null).experiments().parse(ConfigFactory.parseString(
                "distill4j.pairs = [ { name = neck, student = f, teacher = f, losses = [ { type = mimic } ] } ]",
                ConfigParseOptions.defaults().setOriginDescription("overflow.conf")), "overflow.conf");
        Shape shape = new Shape(1, 2, 2, 2);
        Distiller d = Distiller.create(plan, Map.of("f", shape), Map.of("f", shape));
        try (NDManager m = NDManager.newBaseManager()) {
            // (3e19)^2 = 9e38 overflows float32 (at most 3.4e38); the difference itself is finite.
            NDArray student = m.full(shape, 3e19f);
            DistillBatch batch = DistillBatch.builder(m).student("f", student).teacher("f", m.zeros(shape)).step(3).build();
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> d.compute(batch));
            assertTrue(e.getMessage().startsWith("pair 'neck', term 'mimic' (mimic, overflow.conf")
                    && e.getMessage().contains("at step 3"), e.getMessage());
        }
    }
}
