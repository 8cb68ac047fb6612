package io.distill4j.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.PairList;
import io.distill4j.spi.PartsBlock;
import java.io.IOException;
import java.nio.file.Path;
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
public final class DistillationParts extends PartsBlock {
    private final List<String> names = new ArrayList<>();

    DistillationParts() {}

    /** Adds a part under {@code name}, or {@code name#2}, {@code name#3}... when two parts share it. */
    @Override
    public DistillationParts add(String name, Block part, Shape... shapes) {
        String unique = name;
        for (int n = 2; names.contains(unique); n++) {
            unique = name + "#" + n;
        }
        super.add(unique, part, shapes);
        names.add(unique);
        return this;
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
        ParameterFiles.write(this, file);
    }

    /**
     * Reads the parameters written by {@link #save} (after {@link Distiller#initialize}, for the same
     * plan), ready to train on: DJL's {@code Parameter.load} replaces each array by one without a
     * gradient, which would leave the loaded parts out of every later update.
     *
     * @throws InvalidInputException naming the file, as {@link ParameterFiles#read}
     */
    public void load(Path file, NDManager manager) {
        ParameterFiles.read(this, file, manager, "a parameter file of this plan's trainable parts");
        ParameterFiles.attachGradients(this);
    }

}
