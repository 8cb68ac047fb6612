package io.distill4j.plugin.logits;

/**
 * How a per-element loss {@code (N, K)} is reduced, as in PyTorch's {@code F.kl_div}:
 * {@code batchmean} sums over classes and averages over the batch (mdistiller),
 * {@code mean} averages over all {@code N*K} elements (PyTorch's {@code nn.KLDivLoss(reduction='mean')}, as some tutorials use it),
 * {@code sum} sums everything.
 */
enum Reduction {
    BATCHMEAN, MEAN, SUM;

    static final String[] NAMES = {"batchmean", "mean", "sum"};

    static Reduction of(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }

    /** What the sum is divided by, for a per-element loss of this shape. */
    long divisor(ai.djl.ndarray.types.Shape perElement) {
        return switch (this) {
            case BATCHMEAN -> perElement.get(0);
            case MEAN -> perElement.size();
            case SUM -> 1;
        };
    }
}
