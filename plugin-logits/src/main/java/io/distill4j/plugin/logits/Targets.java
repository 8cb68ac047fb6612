package io.distill4j.plugin.logits;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Class targets as a one-hot mask: from indices {@code (N)} or from a soft/one-hot matrix {@code (N, K)} (argmax). */
final class Targets {
    private Targets() {}

    /**
     * @param targets class indices {@code (N)} or a matrix {@code (N, K)}
     * @param logits the shape of the logits {@code (N, K)}
     * @return a float32 one-hot mask of the logits' shape
     * @throws IllegalArgumentException when the targets do not fit the logits
     */
    static NDArray oneHot(NDArray targets, Shape logits) {
        long n = logits.get(0);
        long k = logits.get(1);
        Shape shape = targets.getShape();
        NDArray indices;
        if (shape.dimension() == 2) {
            if (!shape.equals(logits)) {
                throw new IllegalArgumentException("target matrix has shape " + shape + ", the logits " + logits);
            }
            indices = targets.argMax(1);
        } else if (shape.dimension() == 1 && shape.get(0) == n) {
            if (targets.getDataType().isFloating()) {
                throw new IllegalArgumentException("class indices must be integers, got " + targets.getDataType());
            }
            indices = targets.toType(DataType.INT64, false);
            // One read of N integers, checked here: an index out of range would otherwise make a
            // silently empty row, or an engine error without the loss's name.
            long[] values = indices.toLongArray();
            long min = java.util.Arrays.stream(values).min().orElse(0);
            long max = java.util.Arrays.stream(values).max().orElse(0);
            if (min < 0 || max >= k) {
                throw new IllegalArgumentException("class indices must lie in [0, " + (k - 1) + "], got ["
                        + min + ", " + max + "]");
            }
        } else {
            throw new IllegalArgumentException("targets have shape " + shape + "; expected (" + n + ") indices or an "
                    + logits + " matrix");
        }
        // DJL's PyTorch engine does not implement oneHot(depth, on, off, type), and its oneHot(depth)
        // builds an int64 matrix first (7% slower DKD at 256x1000): compare with 0..K-1 instead.
        NDArray classes = indices.getManager().arange(0, k, 1, DataType.INT64).reshape(1, k);
        return indices.reshape(n, 1).eq(classes).toType(DataType.FLOAT32, false);
    }
}
