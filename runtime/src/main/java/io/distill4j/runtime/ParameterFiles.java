package io.distill4j.runtime;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DJL parameter files ({@code block.saveParameters}) of any block, written atomically and read with
 * the checks DJL leaves out: a missing or cut-short file, or arrays of other shapes, is named, never
 * half-loaded.
 */
public final class ParameterFiles {
    private ParameterFiles() {}

    /** Writes {@code block}'s parameters to a DJL parameter file, atomically (a temporary file renamed over the target). */
    public static void write(Block block, Path file) throws IOException {
        OutputPaths.replace(file, ".tmp", tmp -> {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                block.saveParameters(out);
            }
        });
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
    public static void read(Block block, Path file, NDManager manager, String what) {
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
}
