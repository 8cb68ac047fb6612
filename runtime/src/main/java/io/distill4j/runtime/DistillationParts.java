package io.distill4j.runtime;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * All trainable parts of a distillation (adapters' convolutions, generators, GcBlocks, embeddings)
 * as one DJL {@link Block}: trained with the student, saved and loaded with DJL's parameter files,
 * and left out of the exported student. It holds parameters only and has no forward pass of its
 * own; each part runs inside its adapter or loss.
 */
public final class DistillationParts extends AbstractBlock {
    private final List<Shape[]> inputShapes = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    DistillationParts() {
        super((byte) 1);
    }

    void add(String name, Block part, Shape... shapes) {
        String unique = name;
        for (int n = 2; names.contains(unique); n++) {
            unique = name + "#" + n;
        }
        addChildBlock(unique, part);
        names.add(unique);
        inputShapes.add(shapes);
    }

    /**
     * Every parameter by a stable name, {@code <pair>.<part>.<parameter>}: the part is the adapter's
     * type or the term's name, the parameter DJL's name inside it (for example
     * {@code p3.mgd.01Conv2d_weight}). {@code distill eval} and the golden files use these names.
     */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        PairList<String, Block> parts = getChildren();
        for (int i = 0; i < parts.size(); i++) {
            for (var p : parts.get(i).getValue().getParameters()) {
                out.put(names.get(i) + "." + p.getKey(), p.getValue());
            }
        }
        return out;
    }

    /** Whether there is anything to train. */
    public boolean isEmpty() {
        return children.isEmpty();
    }

    /**
     * Copies values into the named parameters (after {@link Distiller#initialize}), for example the
     * weights a reference implementation used.
     *
     * @param values arrays by the names of {@link #namedParameters()}
     * @param source how to name the values' origin in messages
     * @throws InvalidInputException naming the source for an unknown name or a wrong shape
     */
    public void assign(Map<String, NDArray> values, String source) {
        Map<String, Parameter> params = namedParameters();
        for (Map.Entry<String, NDArray> e : values.entrySet()) {
            Parameter p = params.get(e.getKey());
            if (p == null) {
                throw new InvalidInputException(source + ": no trainable parameter '" + e.getKey() + "'"
                        + io.distill4j.runtime.config.DidYouMean.hint(e.getKey(), params.keySet()) + " (the plan has: "
                        + (params.isEmpty() ? "none" : String.join(", ", params.keySet())) + ")");
            }
            if (!p.getArray().getShape().equals(e.getValue().getShape())) {
                throw new InvalidInputException(source + ": parameter '" + e.getKey() + "' has shape "
                        + e.getValue().getShape() + ", the plan's has " + p.getArray().getShape());
            }
            e.getValue().toType(p.getArray().getDataType(), false).copyTo(p.getArray());
        }
    }

    /** Writes every parameter to a DJL parameter file, atomically (a temporary file renamed over the target). */
    public void save(Path file) throws IOException {
        writeParameters(this, file);
    }

    /**
     * Reads the parameters written by {@link #save} (after {@link Distiller#initialize}, for the same
     * plan), ready to train on: DJL's {@code Parameter.load} replaces each array by one without a
     * gradient, which would leave the loaded parts out of every later update.
     *
     * @throws InvalidInputException naming the file, as {@link #readParameters}
     */
    public void load(Path file, NDManager manager) {
        readParameters(this, file, manager, "a parameter file of this plan's trainable parts");
        attachGradients(this);
    }

    /** Writes {@code block}'s parameters to a DJL parameter file, atomically (a temporary file renamed over the target). */
    public static void writeParameters(Block block, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                block.saveParameters(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a DJL parameter file into the initialised {@code block}, checking what DJL does not: that
     * every array has the shape the block was initialised with (a model of another width has the same
     * parameter names, and DJL would load it without a word). The arrays come back without gradients.
     *
     * @param what what the file should be, for messages: "{@code <file>: not <what> (<why>)}"
     * @throws InvalidInputException naming the file when it is missing, unreadable, cut short, or of
     *     other shapes
     */
    public static void readParameters(Block block, Path file, NDManager manager, String what) {
        Map<String, Shape> expected = new LinkedHashMap<>();
        block.getParameters().forEach(p -> expected.put(p.getKey(), p.getValue().getArray().getShape()));
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file + ": not " + what + " (no such file)");
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            block.loadParameters(manager, in);
        } catch (MalformedModelException | IOException | RuntimeException e) {
            // DJL's decoder ends a cut-short file with an EOFException or a runtime exception.
            throw new InvalidInputException(file + ": not " + what + " (" + e + ")");
        }
        block.getParameters().forEach(p -> {
            Shape loaded = p.getValue().getArray().getShape();
            if (!loaded.equals(expected.get(p.getKey()))) {
                throw new InvalidInputException(file + ": not " + what + " (parameter '" + p.getKey() + "' has shape "
                        + loaded + ", expected " + expected.get(p.getKey()) + ")");
            }
        });
    }

    /**
     * Gives every trainable parameter of {@code block} a gradient: after initialising it outside a
     * Trainer, or after a load replaced its arrays with ones that have none.
     */
    public static void attachGradients(Block block) {
        for (Parameter p : block.getParameters().values()) {
            if (p.requiresGradient() && p.getArray() != null) {
                p.getArray().setRequiresGradient(true);
            }
        }
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... ignored) {
        PairList<String, Block> parts = getChildren();
        for (int i = 0; i < parts.size(); i++) {
            parts.get(i).getValue().initialize(manager, dataType, inputShapes.get(i));
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        throw new UnsupportedOperationException(
                "DistillationParts holds parameters only; its parts run inside their adapters and losses");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        return inputs;
    }
}
