package io.distill4j.spi;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.util.Optional;

/**
 * Transforms a pair's student and/or teacher tensors before its losses, for example a 1x1
 * convolution that maps student channels to teacher channels, or a batch norm without affine.
 * Created by a {@link FeatureAdapterFactory} for one layer pair.
 */
public interface FeatureAdapter {
    /**
     * The shapes this adapter produces from the shapes it was created with. The runtime chains
     * adapters and checks the final shapes at plan time. Implement this one (since 1.2), or the
     * older {@link #outputShapes()}; the runtime refuses an adapter that implements neither.
     *
     * @since 1.2
     * @return the shapes this adapter produces from the shapes it was created with
     */
    default AdapterShapes shapes() {
        Shape[] out = outputShapes();
        return AdapterShapes.of(out[0], out[1]);
    }

    /**
     * The shapes this adapter produces, student first, teacher second.
     *
     * @deprecated since 1.2: implement {@link #shapes()}, which names the two sides
     * @return the shapes this adapter produces, student first, teacher second
     */
    @Deprecated
    default Shape[] outputShapes() {
        AdapterShapes s = shapes();
        return new Shape[] {s.student(), s.teacher()};
    }

    /**
     * Applies the adapter to one batch.
     *
     * @param pair the student and teacher tensors
     * @param context the step and further inputs of the batch
     * @return the transformed pair; the teacher side stays a constant
     */
    FeaturePair apply(FeaturePair pair, LossContext context);

    /**
     * The adapter's trainable parameters, if any; initialised and trained as described in
     * {@link DistillLoss#trainableBlock()}.
     * @return the adapter's trainable parameters, if any; initialised and trained as described in {@link DistillLoss#trainableBlock()}
     */
    default Optional<Block> trainableBlock() {
        return Optional.empty();
    }
}
