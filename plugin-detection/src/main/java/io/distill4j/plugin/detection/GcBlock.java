package io.distill4j.plugin.detection;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;

/**
 * FGD's global-context block (GcNet): {@code x + transform(context(x))}, where the context pools
 * {@code x} with {@code softmax_HW(conv1x1_{C->1}(x))}, and the transform is
 * conv1x1 C->C/2, LayerNorm([C/2, 1, 1]), ReLU, conv1x1 C/2->C.
 *
 * <p>Initialisation as the reference: the mask convolution Kaiming-normal (fan in, ReLU gain), bias 0;
 * the last convolution zero (so the block starts as the identity); the first convolution PyTorch's
 * default uniform {@code +-1/sqrt(fan_in)}; LayerNorm weight 1, bias 0. The 1x1 convolutions are
 * linear maps (DJL's functional {@code linear}) on the pooled context.
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

    /**
     * {@code x + transform(context(x))} for {@code x} of shape {@code (N, C, H, W)}. DJL's functional
     * {@code linear} and {@code layerNorm} give their result to the input's manager (the step's), so
     * no step's tensor stays with the parameters' long-lived manager.
     */
    NDArray apply(NDArray x, ParameterStore ps) {
        Shape s = x.getShape();
        long n = s.get(0);
        Device device = x.getDevice();
        NDArray flat = x.reshape(n, channels, s.get(2) * s.get(3));                                   // (N, C, HW)
        NDArray logits = Linear.linear(flat.transpose(0, 2, 1), ps.getValue(maskWeight, device, true),
                ps.getValue(maskBias, device, true)).singletonOrThrow();                             // (N, HW, 1)
        NDArray context = flat.matMul(logits.softmax(1)).reshape(n, channels);                        // (N, C)
        NDArray hidden = Linear.linear(context, ps.getValue(addWeight1, device, true),
                ps.getValue(addBias1, device, true)).singletonOrThrow();                             // (N, C/2)
        NDArray normed = LayerNorm.layerNorm(hidden, new Shape(hidden.getShape().get(1)),
                ps.getValue(normWeight, device, true), ps.getValue(normBias, device, true), LAYER_NORM_EPS)
                .singletonOrThrow();
        NDArray added = Linear.linear(Activation.relu(normed), ps.getValue(addWeight2, device, true),
                ps.getValue(addBias2, device, true)).singletonOrThrow();                             // (N, C)
        return x.add(added.reshape(n, channels, 1, 1));
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
