package io.distill4j.spi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.function.BinaryOperator;

/**
 * Arithmetic between an array and a Java number that is safe to differentiate through. Use it in
 * losses and adapters wherever the array may carry a gradient.
 *
 * <p>Why: DJL's {@code NDArray.mul(Number)}, {@code div(Number)}, {@code pow(Number)},
 * {@code maximum(Number)} and {@code minimum(Number)} wrap the number in a temporary tensor whose
 * memory is a Java direct buffer (on the CPU, PyTorch's {@code from_blob}), and close it as soon as
 * the operation returns. PyTorch's autograd keeps that tensor for the backward pass of these
 * operations; once the garbage collector frees the buffer, backward reads freed memory and the
 * gradient is silently wrong, or NaN. On distill4j's machines a collection between forward and
 * backward corrupted 199 gradients of 200 ({@code x.mul(2f)}), and it made FGD's training diverge
 * at a random step. {@code add(Number)} and {@code sub(Number)} keep no such tensor and are safe.
 *
 * <p>These methods make the number a 0-dimensional tensor that libtorch allocates and owns, of the
 * array's data type (so a float16 or float32 array keeps its type), on the array's manager; the
 * Java handle is closed at once, while autograd keeps its own reference.
 *
 * @since 1.1
 */
public final class Scalars {
    private Scalars() {}

    /**
     * {@code x * factor}.
     *
     * @param x an array, which may carry a gradient
     * @param factor the multiplier
     * @return a new array of {@code x}'s shape and type, on {@code x}'s manager
     */
    public static NDArray mul(NDArray x, float factor) {
        return with(x, factor, NDArray::mul);
    }

    /**
     * {@code x / divisor}.
     *
     * @param x an array, which may carry a gradient
     * @param divisor the divisor
     * @return a new array of {@code x}'s shape and type, on {@code x}'s manager
     */
    public static NDArray div(NDArray x, float divisor) {
        return with(x, divisor, NDArray::div);
    }

    /**
     * {@code x ^ exponent}, element-wise.
     *
     * @param x an array, which may carry a gradient
     * @param exponent the exponent
     * @return a new array of {@code x}'s shape and type, on {@code x}'s manager
     */
    public static NDArray pow(NDArray x, float exponent) {
        return with(x, exponent, NDArray::pow);
    }

    /**
     * {@code max(x, value)}, element-wise.
     *
     * @param x an array, which may carry a gradient
     * @param value the lower bound
     * @return a new array of {@code x}'s shape and type, on {@code x}'s manager
     */
    public static NDArray maximum(NDArray x, float value) {
        return with(x, value, NDArray::maximum);
    }

    /**
     * {@code min(x, value)}, element-wise.
     *
     * @param x an array, which may carry a gradient
     * @param value the upper bound
     * @return a new array of {@code x}'s shape and type, on {@code x}'s manager
     */
    public static NDArray minimum(NDArray x, float value) {
        return with(x, value, NDArray::minimum);
    }

    private static NDArray with(NDArray x, float value, BinaryOperator<NDArray> op) {
        try (NDArray scalar = x.getManager().full(new Shape(), value, x.getDataType())) {
            return op.apply(x, scalar);
        }
    }
}
