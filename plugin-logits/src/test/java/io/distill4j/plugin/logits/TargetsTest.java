package io.distill4j.plugin.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The host-built masks of DKD: their layout, and the targets they refuse. */
class TargetsTest {
    @Test
    void splitHoldsTheOneHotRowThenItsComplementAndShiftTheScaledOneHot() {
        try (NDManager m = NDManager.newBaseManager()) {
            Targets.Masks masks = Targets.masks(m.create(new long[] {2, 0}), new Shape(2, 3), 1000f, m);
            assertEquals(new Shape(2, 2, 3), masks.split().getShape());
            assertArrayEquals(new float[] {0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1}, masks.split().toFloatArray());
            assertArrayEquals(new float[] {0, 0, 1000, 1000, 0, 0}, masks.shift().toFloatArray());
        }
    }

    @Test
    void aTargetMatrixGivesTheClassOfItsLargestEntry() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] soft = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f};
            assertArrayEquals(new long[] {1, 0}, Targets.classes(m.create(soft, new Shape(2, 3)), new Shape(2, 3)));
        }
    }

    @Test
    void refusesTargetsThatDoNotFitTheLogits() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape logits = new Shape(2, 3);
            assertEquals("target matrix has shape (2, 4), the logits (2, 3)", assertThrows(IllegalArgumentException.class,
                    () -> Targets.classes(m.zeros(new Shape(2, 4)), logits)).getMessage());
            assertEquals("class indices must be integers, got float32", assertThrows(IllegalArgumentException.class,
                    () -> Targets.classes(m.create(new float[] {0, 1}), logits)).getMessage());
            assertEquals("targets have shape (3); expected (2) indices or an (2, 3) matrix",
                    assertThrows(IllegalArgumentException.class,
                            () -> Targets.classes(m.create(new long[] {0, 1, 2}), logits)).getMessage());
            assertEquals("class indices must lie in [0, 2], got [-1, 1]", assertThrows(IllegalArgumentException.class,
                    () -> Targets.classes(m.create(new long[] {-1, 1}), logits)).getMessage());
            assertEquals("class indices must lie in [0, 2], got [0, 3]", assertThrows(IllegalArgumentException.class,
                    () -> Targets.classes(m.create(new long[] {0, 3}), logits)).getMessage());
        }
    }
}
