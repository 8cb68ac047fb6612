package io.distill4j.plugin.feature;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.distill4j.spi.InvalidPairException;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.Scalars;

/** Small helpers shared by the feature adapters and losses. */
final class FeatureMaps {
    private FeatureMaps() {}

    /** Refuses anything but {@code (N, C, H, W)} feature maps. */
    static void requireMaps(Shape student, Shape teacher) {
        if (student.dimension() != 4 || teacher.dimension() != 4) {
            throw new InvalidPairException("needs feature maps (N, C, H, W), got student " + student + " and teacher " + teacher);
        }
    }

    /** Runs a trainable block on one tensor, through the step's parameter store (the Trainer's, inside one). */
    static NDArray forward(Block block, NDArray x, LossContext context) {
        return context.forward(block, new NDList(x)).singletonOrThrow();
    }

    /**
     * {@code scale * sum((x - target)^2)} with {@code target} held constant, in as few full-size passes
     * as PyTorch's fused {@code mse_loss}: the difference (one pass), its dot product with a detached
     * view of itself (one read), and in backward one pass, {@code 2 * scale * d}.
     *
     * <p>DJL exposes no fused squared error. {@code square().mean()} costs two more passes each way and
     * the norm of the difference is slower still (Mimic on the 5-level pyramid: 1.45x PyTorch with the
     * norm, see BENCHMARKS.md). With {@code x = d . detach(d)}, whose gradient is {@code detach(d)},
     * the result is {@code 2s*x - s*detach(x)}: its value is {@code s*x} and its gradient
     * {@code 2s*d}, the exact first derivative. Two costs of the form: a squared error that overflows
     * reads NaN rather than infinity (infinity minus infinity; the Distiller reports both as
     * non-finite), and it has no second derivative, which no loss here takes.
     */
    static NDArray squaredError(NDArray x, NDArray target, float scale) {
        NDArray d = x.sub(target.stopGradient()).reshape(-1);
        NDArray dot = d.dot(d.stopGradient());
        return Scalars.mul(dot, 2 * scale).sub(Scalars.mul(dot.stopGradient(), scale));
    }
}
