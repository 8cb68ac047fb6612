package io.distill4j.djl;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;

/**
 * Stands in for one child block of a user's model and reports its output, as a PyTorch forward hook
 * does. Everything else is the wrapped block's ({@link DelegatingBlock}), so saved parameter files
 * load into the tapped model and back.
 */
final class TapPoint extends DelegatingBlock {
    private final String path;
    private NDList lastOutput;

    TapPoint(Block inner, String path) {
        super(inner);
        this.path = path;
    }

    String path() {
        return path;
    }

    /** The output of the last forward pass through this child since the last call, or null. */
    NDList takeOutput() {
        NDList out = lastOutput;
        lastOutput = null;
        return out;
    }

    @Override
    protected NDList afterForward(NDList out) {
        lastOutput = out;
        return out;
    }
}
