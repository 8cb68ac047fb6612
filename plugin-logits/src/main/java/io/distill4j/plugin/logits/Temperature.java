package io.distill4j.plugin.logits;

import ai.djl.ndarray.NDArray;
import io.distill4j.spi.Scalars;

/** Logits divided by a softmax temperature, for KD, DKD and DIST. At temperature 1 nothing is divided. */
final class Temperature {
    private Temperature() {}

    /** The student's {@code x / temperature}: through {@link Scalars}, as backward reads the divisor. */
    static NDArray student(NDArray x, float temperature) {
        return temperature == 1f ? x : Scalars.div(x, temperature);
    }

    /**
     * The teacher's {@code x / temperature}, detached. The divisor goes through {@link Scalars} too:
     * DJL's {@code div(Number)} wraps it in a Java direct buffer, which costs twice the native scalar
     * and is freed only when the garbage collector runs.
     */
    static NDArray teacher(NDArray x, float temperature) {
        NDArray detached = x.stopGradient();
        return temperature == 1f ? detached : Scalars.div(detached, temperature);
    }
}
