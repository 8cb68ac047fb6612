package io.distill4j.cli.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A classifier made of named stages and a head, whose forward returns the logits followed by every
 * stage's output: the named feature taps that layer pairs refer to ({@code logits}, {@code stage1},
 * {@code stage2}, {@code stage3}). PyTorch users get the same with forward hooks.
 */
public final class TappedNet extends AbstractBlock {
    /**
     * The weight of each new batch in BatchNorm's running statistics. DJL's PyTorch engine hands the
     * momentum to torch, where it weights the new batch (torch's default is 0.1); DJL's own default of
     * 0.9 would leave the running statistics dominated by the last batch.
     */
    static final float BN_MOMENTUM = 0.1f;

    /** The names of the outputs, in order. */
    public static final List<String> OUTPUTS = List.of("logits", "stage1", "stage2", "stage3");

    private final List<Block> stages = new ArrayList<>();
    private final Block head;

    private TappedNet(List<Block> stages, Block head) {
        super((byte) 1);
        for (int i = 0; i < stages.size(); i++) {
            this.stages.add(addChildBlock("stage" + (i + 1), stages.get(i)));
        }
        this.head = addChildBlock("head", head);
    }

    /**
     * A small ResNet: a stem, then three residual stages of {@code width}, {@code 2*width} and
     * {@code 4*width} channels at full, half and quarter resolution, global average pooling and a linear head.
     */
    public static TappedNet resnet(int width, int classes) {
        List<Block> stages = List.of(
                new SequentialBlock().add(conv(width, 1)).add(BatchNorm.builder().optMomentum(BN_MOMENTUM).build()).add(Activation::relu)
                        .add(residual(width, 1)),
                residual(2 * width, 2),
                residual(4 * width, 2));
        return new TappedNet(stages, head(classes));
    }

    /**
     * A plain CNN: three conv-BN-ReLU stages of {@code width}, {@code 2*width}, {@code 4*width} channels
     * at full, half and quarter resolution. Batch norm (with PyTorch's momentum, see
     * {@link #BN_MOMENTUM}) keeps a narrow student out of dead ReLUs at the start: without it, a
     * four-channel student stayed at the uniform guess on some seeds (seed 2: 9.65% for all 8 epochs).
     */
    public static TappedNet cnn(int width, int classes) {
        List<Block> stages = List.of(
                convRelu(width, 1),
                convRelu(2 * width, 2),
                convRelu(4 * width, 2));
        return new TappedNet(stages, head(classes));
    }

    private static Block head(int classes) {
        return new SequentialBlock().add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(classes).build());
    }

    private static Conv2d conv(int channels, int stride) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(channels).optStride(new Shape(stride, stride))
                .optPadding(new Shape(1, 1)).optBias(false).build();
    }

    private static Block convRelu(int channels, int stride) {
        return new SequentialBlock().add(conv(channels, stride)).add(BatchNorm.builder().optMomentum(BN_MOMENTUM).build())
                .add(Activation::relu);
    }

    /** {@code relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))}, the shortcut a strided 1x1 conv when the shape changes. */
    private static Block residual(int channels, int stride) {
        SequentialBlock main = new SequentialBlock().add(conv(channels, stride)).add(BatchNorm.builder().optMomentum(BN_MOMENTUM).build())
                .add(Activation::relu).add(conv(channels, 1)).add(BatchNorm.builder().optMomentum(BN_MOMENTUM).build());
        Block shortcut = stride == 1 ? Blocks.identityBlock() : new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(channels)
                        .optStride(new Shape(stride, stride)).optBias(false).build())
                .add(BatchNorm.builder().optMomentum(BN_MOMENTUM).build());
        return new SequentialBlock()
                .add(new ParallelBlock(list -> new NDList(list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow())),
                        List.of(main, shortcut)))
                .add(Activation::relu);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList out = new NDList();
        NDList x = inputs;
        List<NDArray> taps = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            x = stages.get(i).forward(ps, x, training);
            NDArray tap = x.singletonOrThrow();
            tap.setName(OUTPUTS.get(i + 1));
            taps.add(tap);
        }
        NDArray logits = head.forward(ps, x, training).singletonOrThrow();
        logits.setName("logits");
        out.add(logits);
        out.addAll(taps);
        return out;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block stage : stages) {
            stage.initialize(manager, dataType, shapes);
            shapes = stage.getOutputShapes(shapes);
        }
        head.initialize(manager, dataType, shapes);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        List<Shape> out = new ArrayList<>();
        Shape[] shapes = inputShapes;
        List<Shape> taps = new ArrayList<>();
        for (Block stage : stages) {
            shapes = stage.getOutputShapes(shapes);
            taps.add(shapes[0]);
        }
        out.add(head.getOutputShapes(shapes)[0]);
        out.addAll(taps);
        return out.toArray(Shape[]::new);
    }
}
