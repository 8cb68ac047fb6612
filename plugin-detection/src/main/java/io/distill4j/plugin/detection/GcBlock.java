package io.distill4j.plugin.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;
import io.distill4j.spi.Scalars;

/**
 * FGD's global-context block (GcNet): {@code x + transform(context(x))}, where the context pools
 * {@code x} with {@code softmax_HW(conv1x1_{C->1}(x))}, and the transform is
 * conv1x1 C->C/2, LayerNorm([C/2, 1, 1]), ReLU, conv1x1 C/2->C.
 *
 * <p>Initialisation as the reference: the mask convolution Kaiming-normal (fan in, ReLU gain), bias 0;
 * the last convolution zero (so the block starts as the identity); the first convolution PyTorch's
 * default uniform {@code +-1/sqrt(fan_in)}; LayerNorm weight 1, bias 0. The 1x1 convolutions are
 * written as matrix products on the pooled context.
 */
final class GcBlock extends AbstractBlock {
    private static final float LAYER_NORM_EPS = 1e-5f;

    private final int channels;
    private final Parameter maskWeight;
    private final Parameter maskBias;
    private final Parameter addWeight1;
    private final Parameter addBias1;
    private final Parameter normWeight;
    private final Parameter normBias;
    private final Parameter addWeight2;
    private final Parameter addBias2;

    GcBlock(int channels) {
        super((byte) 1);
        this.channels = channels;
        int half = channels / 2;
        float bound = (float) (1 / Math.sqrt(channels));
        maskWeight = param("conv_mask_weight", new Shape(1, channels), new NormalInitializer((float) Math.sqrt(2.0 / channels)));
        maskBias = param("conv_mask_bias", new Shape(1), Initializer.ZEROS);
        addWeight1 = param("add1_weight", new Shape(half, channels), new UniformInitializer(bound));
        addBias1 = param("add1_bias", new Shape(half), new UniformInitializer(bound));
        normWeight = param("norm_weight", new Shape(half), Initializer.ONES);
        normBias = param("norm_bias", new Shape(half), Initializer.ZEROS);
        addWeight2 = param("add2_weight", new Shape(channels, half), Initializer.ZEROS);
        addBias2 = param("add2_bias", new Shape(channels), Initializer.ZEROS);
    }

    private Parameter param(String name, Shape shape, Initializer init) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.OTHER).optShape(shape)
                .optInitializer(init).build());
    }

    /** {@code x + transform(context(x))} for {@code x} of shape {@code (N, C, H, W)}. */
    NDArray apply(NDArray x, ParameterStore ps) {
        Shape s = x.getShape();
        long n = s.get(0);
        NDArray flat = x.reshape(n, channels, s.get(2) * s.get(3));                     // (N, C, HW)
        NDArray w = ps.getValue(maskWeight, x.getDevice(), true);                      // (1, C)
        NDArray logits = step(w.matMul(flat), x).add(ps.getValue(maskBias, x.getDevice(), true)); // (N, 1, HW)
        NDArray context = flat.matMul(logits.softmax(2).transpose(0, 2, 1));            // (N, C, 1)
        NDArray hidden = step(ps.getValue(addWeight1, x.getDevice(), true).matMul(context), x)
                .add(step(ps.getValue(addBias1, x.getDevice(), true).reshape(-1, 1), x));  // (N, C/2, 1)
        float count = hidden.getShape().get(1);
        NDArray centered = hidden.sub(Scalars.div(hidden.sum(new int[] {1}, true), count));
        NDArray normed = centered.div(Scalars.div(centered.square().sum(new int[] {1}, true), count).add(LAYER_NORM_EPS).sqrt())
                .mul(step(ps.getValue(normWeight, x.getDevice(), true).reshape(-1, 1), x))
                .add(step(ps.getValue(normBias, x.getDevice(), true).reshape(-1, 1), x));
        NDArray added = step(ps.getValue(addWeight2, x.getDevice(), true).matMul(Scalars.maximum(normed, 0f)), x)
                .add(step(ps.getValue(addBias2, x.getDevice(), true).reshape(-1, 1), x));  // (N, C, 1)
        return x.add(added.reshape(n, channels, 1, 1));
    }

    /**
     * DJL gives an op's result to its first operand's manager; for {@code weight.matMul(x)} or a
     * parameter's reshaped view that is the parameters' long-lived manager, where every step's result
     * would stay. Hand it to the step's (closing a view leaves the parameter's storage alone).
     */
    private static NDArray step(NDArray result, NDArray input) {
        result.attach(input.getManager());
        return result;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(inputs.singletonOrThrow(), ps));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
