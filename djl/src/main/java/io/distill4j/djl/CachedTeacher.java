package io.distill4j.djl;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.djl.ndarray.NDManager;

/**
 * A teacher that does not run: its forward returns the {@link TeacherOutputs} stored for the batch's
 * samples, looked up by the sample indices that come as the batch's last input. Given to a
 * {@link DistillationBlock} (as {@code TappedModel.of(cached, cached.names())}), it makes the block
 * hand the student every input but that last one.
 */
public final class CachedTeacher extends AbstractBlock {
    private final TeacherOutputs outputs;

    public CachedTeacher(TeacherOutputs outputs) {
        super((byte) 1);
        this.outputs = outputs;
    }

    /** The stored tensors' names, the order forward returns them in. */
    public String[] names() {
        return outputs.taps().keySet().toArray(String[]::new);
    }

    public TeacherOutputs outputs() {
        return outputs;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return outputs.gather(inputs.head().getManager(), inputs.get(inputs.size() - 1));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long n = inputShapes[0].get(0);
        return outputs.taps().values().stream().map(s -> new Shape(n).addAll(s)).toArray(Shape[]::new);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // nothing to initialise: no parameters
    }
}
