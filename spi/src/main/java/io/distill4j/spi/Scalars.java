package io.distill4j.spi;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * array's data type (so a float16 or float32 array keeps its type) and on its device. The last few
 * such scalars are kept and reused, so that a loss's fixed numbers (a temperature, a weight) cost
 * no allocation per step; an evicted one is closed, while autograd keeps its own reference.
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
        // The operation runs under the cache's lock: another thread's insertion could otherwise evict and
        // close the scalar between the lookup and its use.
        synchronized (CACHE) {
            return op.apply(x, scalar(value, x.getDataType(), x.getDevice()));
        }
    }

    /** A scalar as the operations above take it: one the cache holds, or a new one it then keeps. */
    private static NDArray scalar(float value, DataType type, Device device) {
        ScalarKey key = new ScalarKey(Float.floatToRawIntBits(value), type, device);
        NDArray kept = CACHE.get(key);
        if (kept == null) {
            NDManager owner = OWNERS.computeIfAbsent(device, d -> NDManager.newBaseManager(d));
            kept = owner.full(new Shape(), value, type);
            CACHE.put(key, kept);
        }
        return kept;
    }

    private record ScalarKey(int bits, DataType type, Device device) {}

    /** How many scalars are kept: a schedule's weight changes every step, so the cache must not grow with it. */
    private static final int KEPT = 64;

    /** The kept scalars, the least recently used first; one evicted is closed. */
    private static final Map<ScalarKey, NDArray> CACHE = new LinkedHashMap<>(KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ScalarKey, NDArray> eldest) {
            if (size() > KEPT) {
                eldest.getValue().close();
                return true;
            }
            return false;
        }
    };

    /** The managers that own the kept scalars, one per device, open for the life of the process. */
    private static final Map<Device, NDManager> OWNERS = new HashMap<>();
}
