package io.distill4j.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** Scalars keeps the last few scalar tensors for reuse (lives in runtime's tests: the SPI module has no engine). */
class ScalarsTest {
    @Test
    void aKeptScalarGivesTheSameResultsEveryTimeAndKeepsTheArraysType() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1f, -2f, 3.5f});
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(new float[] {0.5f, -1f, 1.75f}, Scalars.div(x, 2f).toFloatArray());
                assertArrayEquals(new float[] {2f, -4f, 7f}, Scalars.mul(x, 2f).toFloatArray());
            }
            NDArray half = x.toType(DataType.FLOAT16, false);
            NDArray scaled = Scalars.mul(half, 2f);
            assertEquals(DataType.FLOAT16, scaled.getDataType());
            assertArrayEquals(new float[] {2f, -4f, 7f}, scaled.toType(DataType.FLOAT32, false).toFloatArray());
            assertArrayEquals(new float[] {1f, -2f, 3.5f}, Scalars.maximum(x, -2f).toFloatArray());
            assertArrayEquals(new float[] {-2f, -2f, -2f}, Scalars.minimum(x, -2f).toFloatArray());
            // The result belongs to the array's manager, as any operation's does: closing it frees the result.
            assertEquals(m, Scalars.mul(x, 3f).getManager());
        }
    }

    /** A scalar evicted (and closed) between forward and backward: autograd still holds its own reference. */
    @Test
    void backwardIsRightAfterTheScalarWasEvicted() {
        try (NDManager m = NDManager.newBaseManager(); GradientCollector c = Engine.getInstance().newGradientCollector()) {
            NDArray x = m.create(new float[] {1f, 2f});
            x.setRequiresGradient(true);
            NDArray y = Scalars.mul(x, 0.37f).sum();
            for (int i = 0; i < 200; i++) {
                Scalars.mul(x, 1000f + i); // more distinct values than the cache keeps: 0.37 is closed
            }
            System.gc();
            c.backward(y);
            assertArrayEquals(new float[] {0.37f, 0.37f}, x.getGradient().toFloatArray());
            assertEquals(new Shape(2), x.getGradient().getShape());
        }
    }
}
