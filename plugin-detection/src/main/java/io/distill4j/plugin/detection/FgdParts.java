package io.distill4j.plugin.detection;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * FGD's trainable parts as one block: the {@code align} 1x1 convolution (only when the student's
 * channels differ from the teacher's), and the student's and the teacher's GcBlocks (only when the
 * relation term is on). Parameter names: {@code 01align_weight}, {@code 02student_conv_mask_weight}, ...
 */
final class FgdParts extends AbstractBlock {
    private final List<Shape> inputShapes = new ArrayList<>();

    FgdParts() {
        super((byte) 1);
    }

    /** Adds a part that initialises for inputs of {@code inputShape}. */
    FgdParts add(String name, Block part, Shape inputShape) {
        addChildBlock(name, part);
        inputShapes.add(inputShape);
        return this;
    }

    /** Each part with the shape it was added with: the align convolution takes the student's, the GcBlocks the teacher's. */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... ignored) {
        PairList<String, Block> parts = getChildren();
        for (int i = 0; i < parts.size(); i++) {
            parts.get(i).getValue().initialize(manager, dataType, inputShapes.get(i));
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("FgdParts holds parameters only");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
