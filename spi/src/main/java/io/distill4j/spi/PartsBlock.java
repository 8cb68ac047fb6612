package io.distill4j.spi;

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
 * Several trainable parts held as one DJL {@link Block}, for a loss's or adapter's
 * {@code trainableBlock()}: parameters only, with no forward pass of its own (each part runs inside
 * the adapter or loss, through {@link LossContext#forward}). Each part is initialised with the input
 * shapes it was added with, or, added without, with the shapes the block is initialised with.
 *
 * <pre>{@code
 * PartsBlock parts = new PartsBlock().add("query", queryEmbed).add("value", valueEmbed);
 * PartsBlock fgd = new PartsBlock().add("align", conv, studentShape).add("gc", gcBlock, teacherShape);
 * }</pre>
 *
 * @since 1.2
 */
public class PartsBlock extends AbstractBlock {
    private final List<Shape[]> inputShapes = new ArrayList<>();

    /** An empty block; {@link #add} its parts. */
    public PartsBlock() {
        super((byte) 1);
    }

    /**
     * Adds a part (DJL names it {@code NN<name>}, numbered in order).
     *
     * @param shapes the part's input shapes at initialisation; none: the block's own
     * @param name the part's name
     * @param part a block whose parameters train with the student
     * @return this block
     */
    public PartsBlock add(String name, Block part, Shape... shapes) {
        addChildBlock(name, part);
        inputShapes.add(shapes.clone());
        return this;
    }

    /**
     * Whether there is no part.
     *
     * @return whether there is no part
     */
    public boolean isEmpty() {
        return children.isEmpty();
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... blockShapes) {
        PairList<String, Block> parts = getChildren();
        for (int i = 0; i < parts.size(); i++) {
            Shape[] own = inputShapes.get(i);
            parts.get(i).getValue().initialize(manager, dataType, own.length == 0 ? blockShapes : own);
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " holds parameters only; its parts run inside their adapters and losses");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return inputs;
    }
}
