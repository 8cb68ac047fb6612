package io.distill4j.djl;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A block that is another block in everything but its forward pass: parameters, children, shapes,
 * saving and loading are the wrapped block's, under the wrapped block's names. A parent names its
 * children's parameters by the child's key and the child's own {@link #getParameters()}, so a model
 * whose children are wrapped this way saves and loads the same parameter files as before.
 */
abstract class DelegatingBlock implements Block {
    protected final Block inner;

    DelegatingBlock(Block inner) {
        this.inner = inner;
    }

    /** The wrapped block. */
    public Block inner() {
        return inner;
    }

    /** What this block makes of the wrapped block's outputs: the one thing a subclass changes. */
    protected abstract NDList afterForward(NDList innerOutputs);

    @Override
    public final NDList forward(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return afterForward(inner.forward(ps, inputs, training, params));
    }

    @Override
    public final NDList forward(ParameterStore ps, NDList data, NDList labels, PairList<String, Object> params) {
        return afterForward(inner.forward(ps, data, labels, params));
    }

    @Override
    public void setInitializer(Initializer initializer, Parameter.Type type) {
        inner.setInitializer(initializer, type);
    }

    @Override
    public void setInitializer(Initializer initializer, String paramName) {
        inner.setInitializer(initializer, paramName);
    }

    @Override
    public void setInitializer(Initializer initializer, Predicate<Parameter> predicate) {
        inner.setInitializer(initializer, predicate);
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        inner.initialize(manager, dataType, inputShapes);
    }

    @Override
    public boolean isInitialized() {
        return inner.isInitialized();
    }

    @Override
    public void cast(DataType dataType) {
        inner.cast(dataType);
    }

    @Override
    public void clear() {
        inner.clear();
    }

    @Override
    public PairList<String, Shape> describeInput() {
        return inner.describeInput();
    }

    @Override
    public BlockList getChildren() {
        return inner.getChildren();
    }

    @Override
    public ParameterList getDirectParameters() {
        return inner.getDirectParameters();
    }

    @Override
    public ParameterList getParameters() {
        return inner.getParameters();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inner.getOutputShapes(inputShapes);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes, DataType[] inputDataTypes) {
        return inner.getOutputShapes(inputShapes, inputDataTypes);
    }

    @Override
    public Shape[] getInputShapes() {
        return inner.getInputShapes();
    }

    @Override
    public DataType[] getOutputDataTypes() {
        return inner.getOutputDataTypes();
    }

    @Override
    public void saveParameters(DataOutputStream os) throws IOException {
        inner.saveParameters(os);
    }

    @Override
    public void loadParameters(NDManager manager, DataInputStream is) throws IOException, MalformedModelException {
        inner.loadParameters(manager, is);
    }

    @Override
    public void freezeParameters(boolean freeze) {
        inner.freezeParameters(freeze);
    }

    @Override
    public void freezeParameters(boolean freeze, Predicate<Parameter> pred) {
        inner.freezeParameters(freeze, pred);
    }

    @Override
    public Map<String, String> getCustomMetadata() {
        return inner.getCustomMetadata();
    }

    @Override
    public String toString() {
        return inner.toString();
    }
}
