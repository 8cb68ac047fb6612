package io.distill4j.plugin.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.distill4j.runtime.BatchException;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.DistillBatch;
import io.distill4j.runtime.Distiller;
import io.distill4j.runtime.plan.DistillPlan;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FGD's ground truth must come with the batch: a missing or malformed one fails at once, naming the pair. */
class FgdBatchTest {
    private static final Shape SHAPE = new Shape(2, 8, 4, 4);

    private static Distiller distiller(String type) {
        DistillPlan plan = Distill4j.start((Path) null).experiments().parse(ConfigFactory.parseString(
                "distill4j.pairs = [ { name = p4, student = s, teacher = t, losses = [ { type = " + type + " } ] } ]",
                ConfigParseOptions.defaults().setOriginDescription("fpn.conf")), "fpn.conf");
        return Distiller.create(plan, Map.of("s", SHAPE), Map.of("t", SHAPE));
    }

    @Test
    void aBatchWithoutBoxesFailsNamingThePair() {
        try (NDManager m = NDManager.newBaseManager()) {
            Distiller d = distiller("fgd");
            d.initialize(m, DataType.FLOAT32);
            NDArray f = m.randomNormal(SHAPE);
            BatchException e = assertThrows(BatchException.class,
                    () -> d.compute(DistillBatch.builder(m).student("s", f).teacher("t", f).build()));
            assertTrue(e.getMessage().startsWith("pair 'p4', term 'fgd'") && e.getMessage().contains("needs ground-truth boxes"),
                    e.getMessage());
        }
    }

    @Test
    void boxesWithoutImageSizesOrOfTheWrongShapeAreNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            Distiller d = distiller("fgd-focal");
            NDArray f = m.randomNormal(SHAPE);
            NDArray boxes = m.zeros(new Shape(2, 3, 4));
            BatchException noSizes = assertThrows(BatchException.class, () -> d.compute(DistillBatch.builder(m)
                    .student("s", f).teacher("t", f).input("boxes", boxes).build()));
            assertTrue(noSizes.getMessage().contains("pair 'p4'") && noSizes.getMessage().contains("image_sizes"),
                    noSizes.getMessage());
            BatchException badShape = assertThrows(BatchException.class, () -> d.compute(DistillBatch.builder(m)
                    .student("s", f).teacher("t", f).input("boxes", m.zeros(new Shape(2, 4)))
                    .input("image_sizes", m.ones(new Shape(2, 2))).build()));
            assertTrue(badShape.getMessage().contains("'boxes' must have shape (2, B, 4)"), badShape.getMessage());
            NDArray nanBox = m.create(new float[] {0, 0, 4, 4, 1, Float.NaN, 3, 3, 0, 0, 0, 0,
                    0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0}, new Shape(2, 3, 4));
            BatchException notFinite = assertThrows(BatchException.class, () -> d.compute(DistillBatch.builder(m)
                    .student("s", f).teacher("t", f).input("boxes", nanBox).input("image_sizes", m.ones(new Shape(2, 2))).build()));
            assertTrue(notFinite.getMessage().contains("pair 'p4'")
                    && notFinite.getMessage().contains("'boxes' of image 0, box 1 has a NaN coordinate"), notFinite.getMessage());
        }
    }

    /** Steps in their own sub-managers leave nothing behind in the long-lived manager of the parameters. */
    @Test
    void stepsLeaveNoTensorInTheParametersManager() {
        try (NDManager params = NDManager.newBaseManager()) {
            Distiller d = distiller("fgd");
            d.initialize(params, DataType.FLOAT32);
            int[] counts = new int[4];
            for (int i = 0; i < counts.length; i++) {
                try (NDManager step = params.newSubManager()) {
                    NDArray s = step.randomNormal(SHAPE);
                    s.setRequiresGradient(true);
                    NDArray t = step.randomNormal(SHAPE);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(d.compute(DistillBatch.builder(step).student("s", s).teacher("t", t)
                                .input("boxes", step.create(new float[] {0, 0, 32, 32, 0, 0, 16, 16}, new Shape(2, 1, 4)))
                                .input("image_sizes", step.create(new float[] {64, 64, 64, 64}, new Shape(2, 2))).build()).total());
                    }
                }
                counts[i] = params.getManagedArrays().size();
            }
            assertEquals(counts[1], counts[3], () -> "arrays accumulate in the parameters' manager: " + Arrays.toString(counts));
        }
    }

    @Test
    void theGlobalTermAloneNeedsNoBoxes() {
        try (NDManager m = NDManager.newBaseManager()) {
            Distiller d = distiller("fgd-global");
            d.initialize(m, DataType.FLOAT32);
            NDArray s = m.randomNormal(SHAPE);
            NDArray t = m.randomNormal(SHAPE);
            float total = d.compute(DistillBatch.builder(m).student("s", s).teacher("t", t).build()).total().getFloat();
            assertTrue(Float.isFinite(total) && total > 0, "global term of different maps: " + total);
        }
    }
}
