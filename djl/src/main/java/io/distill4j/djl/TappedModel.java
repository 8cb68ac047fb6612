package io.distill4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.config.DidYouMean;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A user's model whose forward returns its own outputs, named, followed by the outputs of chosen
 * child blocks: the feature taps that layer pairs refer to. The model is not rewritten: each tapped
 * child is replaced in its parent by a stand-in that reports the child's output (PyTorch's forward
 * hooks), and parameters keep their names, so the model's parameter files load as before.
 *
 * <pre>{@code
 * TappedModel student = TappedModel.of(resnet)          // outputs: logits
 *         .tap("stage2", "03SequentialBlock")            // a child, by DJL's name
 *         .tap("stage3", "ParallelBlock#2/01SequentialBlock"); // or by type (#k: the k-th of that type)
 * }</pre>
 *
 * <p>A path is a list of segments separated by {@code /}, one per level of children. A segment is a
 * child's DJL name ({@code 02SequentialBlock}), its position from 1 ({@code 2}), its block type when
 * that type is unique among its siblings ({@code Conv2d}), or a type and its occurrence
 * ({@code Conv2d#2}). {@link #childPaths(Block)} lists every path of a model.
 */
public final class TappedModel extends DelegatingBlock {
    private final List<String> outputNames = new ArrayList<>();
    private final Map<String, TapPoint> taps = new LinkedHashMap<>();
    private final String description;

    private TappedModel(Block model, List<String> outputs) {
        super(model);
        outputNames.addAll(outputs);
        description = model.getClass().getSimpleName();
    }

    /** A model whose single (first) output is named {@code logits}. */
    public static TappedModel of(Block model) {
        return of(model, "logits");
    }

    /**
     * A model whose own outputs, in order, carry the given names (for example a model that already
     * returns {@code logits, stage1, stage2}, or a TorchScript module returning a tuple). Outputs past
     * the named ones are dropped.
     */
    public static TappedModel of(Block model, String... outputs) {
        if (outputs.length == 0) {
            throw new IllegalArgumentException("name at least the model's first output (usually logits)");
        }
        return new TappedModel(model, List.of(outputs));
    }

    /**
     * Adds the output of the child at {@code path} as the output {@code name}.
     *
     * @throws InvalidInputException when no child has that path (the message lists every path of the
     *     model and the closest one), or the name is taken
     */
    public TappedModel tap(String name, String path) {
        if (name == null || name.isBlank()) {
            throw new InvalidInputException("tap on path '" + path + "': the tap needs a name");
        }
        if (outputNames.contains(name) || taps.containsKey(name)) {
            throw new InvalidInputException("tap '" + name + "': the model already has an output of that name");
        }
        Block parent = inner;
        String resolved = "";
        String[] segments = path.split("/");
        for (int level = 0; level < segments.length; level++) {
            BlockList children = parent.getChildren();
            int index = childIndex(children, segments[level]);
            if (index < 0) {
                throw noSuchPath(name, path);
            }
            resolved = resolved.isEmpty() ? children.keyAt(index) : resolved + "/" + children.keyAt(index);
            Block child = children.valueAt(index);
            if (level == segments.length - 1) {
                if (child instanceof TapPoint tapped) {
                    throw new InvalidInputException("tap '" + name + "': path '" + resolved + "' is already tapped");
                }
                TapPoint point = new TapPoint(child, resolved);
                replaceChild(parent, index, point, name);
                taps.put(name, point);
            } else {
                parent = child instanceof TapPoint t ? t.inner() : child;
            }
        }
        return this;
    }

    /** The names of the outputs, in the order forward returns them: the model's own, then the taps. */
    public List<String> outputNames() {
        List<String> all = new ArrayList<>(outputNames);
        all.addAll(taps.keySet());
        return all;
    }

    /**
     * The names a model gives its outputs, read from one inference pass on zeros: the keys of a
     * TorchScript module that returns {@code Dict[str, Tensor]}, for {@link #of(Block, String...)}.
     *
     * @throws InvalidInputException when an output has no name (a tuple: name its outputs in order)
     */
    public static List<String> outputNamesOf(Block model, Shape... inputShapes) {
        try (NDManager probe = NDManager.newBaseManager()) {
            NDList out = probe(model, probe, inputShapes);
            List<String> names = new ArrayList<>();
            for (NDArray a : out) {
                if (a.getName() == null || a.getName().isEmpty()) {
                    throw new InvalidInputException(model.getClass().getSimpleName() + " returns " + out.size()
                            + " unnamed output(s) (a tuple or list): name them in order instead");
                }
                names.add(a.getName());
            }
            return names;
        }
    }

    /** One inference pass of {@code model} on zeros of the given shapes, its arrays in {@code manager}. */
    static NDList probe(Block model, NDManager manager, Shape... inputShapes) {
        NDList in = new NDList();
        for (Shape s : inputShapes) {
            in.add(manager.zeros(s));
        }
        return model.forward(new ParameterStore(manager, false), in, false);
    }

    private static Map<String, NDArray> byName(NDList own) {
        Map<String, NDArray> m = new LinkedHashMap<>();
        for (NDArray a : own) {
            if (a.getName() != null && !a.getName().isEmpty()) {
                m.putIfAbsent(a.getName(), a);
            }
        }
        return m;
    }

    /** Every child path of {@code model}, depth first, as DJL names the children. */
    public static List<String> childPaths(Block model) {
        List<String> out = new ArrayList<>();
        collect(model, "", out);
        return out;
    }

    private static void collect(Block block, String prefix, List<String> out) {
        for (Pair<String, Block> child : block.getChildren()) {
            String path = prefix.isEmpty() ? child.getKey() : prefix + "/" + child.getKey();
            out.add(path);
            collect(child.getValue(), path, out);
        }
    }

    private InvalidInputException noSuchPath(String name, String path) {
        List<String> paths = childPaths(inner);
        return new InvalidInputException("tap '" + name + "': " + description + " has no child at path '" + path + "'"
                + DidYouMean.hint(path, paths) + " (its child paths: "
                + (paths.isEmpty() ? "none" : String.join(", ", paths)) + ")");
    }

    /** The index of the child that {@code segment} names, or -1. */
    private static int childIndex(BlockList children, String segment) {
        for (int i = 0; i < children.size(); i++) {
            if (children.keyAt(i).equals(segment)) {
                return i;
            }
        }
        if (segment.matches("\\d+")) {
            int position = Integer.parseInt(segment);
            return position >= 1 && position <= children.size() ? position - 1 : -1;
        }
        String type = segment;
        int occurrence = 1;
        boolean counted = false;
        int hash = segment.lastIndexOf('#');
        if (hash > 0 && segment.substring(hash + 1).matches("\\d+")) {
            type = segment.substring(0, hash);
            occurrence = Integer.parseInt(segment.substring(hash + 1));
            counted = true;
        }
        int seen = 0;
        int found = -1;
        for (int i = 0; i < children.size(); i++) {
            if (typeOf(children.valueAt(i)).equals(type)) {
                seen++;
                if (seen == occurrence) {
                    found = i;
                }
            }
        }
        // A bare type must be unique among its siblings: "Conv2d" among three would be a guess.
        return counted || seen == 1 ? found : -1;
    }

    private static String typeOf(Block block) {
        return (block instanceof TapPoint t ? t.inner() : block).getClass().getSimpleName();
    }

    /**
     * DJL offers no way to swap a child; its containers ({@code SequentialBlock}, {@code ParallelBlock},
     * the model zoo's networks) run the children they hold in {@code AbstractBlock.children}, so the
     * stand-in goes there. A parent that runs a child from a field of its own would bypass it: forward
     * then reports the tap as not reached instead of returning nothing.
     */
    private static void replaceChild(Block parent, int index, Block replacement, String name) {
        if (!(parent instanceof AbstractBlock)) {
            throw new InvalidInputException("tap '" + name + "': cannot tap inside " + parent.getClass().getName()
                    + ", which is not a DJL AbstractBlock");
        }
        try {
            Field field = AbstractBlock.class.getDeclaredField("children");
            field.setAccessible(true);
            BlockList children = (BlockList) field.get(parent);
            String key = children.keyAt(index);
            children.remove(index);
            children.add(index, key, replacement);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot install a feature tap in " + parent.getClass().getName(), e);
        }
    }

    /** The model's named outputs, then each tap's output from this pass. */
    @Override
    protected NDList afterForward(NDList own) {
        NDList out = new NDList(outputNames.size() + taps.size());
        Map<String, NDArray> byName = byName(own);
        if (byName.keySet().containsAll(outputNames)) {
            // A dict output (a TorchScript module returning Dict[str, Tensor]): its order is not its meaning.
            outputNames.forEach(n -> out.add(byName.get(n)));
        } else {
            if (own.size() < outputNames.size()) {
                throw new InvalidInputException(description + " returns " + own.size() + " output(s), but "
                        + outputNames.size() + " are named: " + String.join(", ", outputNames));
            }
            for (int i = 0; i < outputNames.size(); i++) {
                out.add(own.get(i));
            }
        }
        for (Map.Entry<String, TapPoint> tap : taps.entrySet()) {
            NDList captured = tap.getValue().takeOutput();
            if (captured == null) {
                throw new InvalidInputException("tap '" + tap.getKey() + "': the forward pass of " + description
                        + " never ran the child at '" + tap.getValue().path() + "' (its parent runs it from a field of"
                        + " its own, not from its children); tap a child of a SequentialBlock or ParallelBlock instead");
            }
            out.add(captured.head());
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        if (taps.isEmpty()) {
            Shape[] own = inner.getOutputShapes(inputShapes);
            Shape[] named = new Shape[outputNames.size()];
            System.arraycopy(own, 0, named, 0, Math.min(own.length, named.length));
            return named;
        }
        // A tap's shape is known only by running the model: one inference pass on zeros.
        try (NDManager probe = NDManager.newBaseManager()) {
            return probe(this, probe, inputShapes).stream().map(NDArray::getShape).toArray(Shape[]::new);
        }
    }

    /** Initialises the model, as {@link Block#initialize} of the model itself. */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        inner.initialize(manager, dataType, inputShapes);
    }
}
