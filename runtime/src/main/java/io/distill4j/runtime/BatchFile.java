package io.distill4j.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.distill4j.spi.BatchInputs;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One batch of a distillation step as a NumPy {@code .npz} file holds it, by the key convention
 * that {@code distill eval}, {@code distill check --inputs} and the testkit's golden cases share:
 *
 * <ul>
 *   <li>{@code student.<name>}, {@code teacher.<name>}: the models' named outputs;
 *   <li>{@code targets} ({@link BatchInputs#TARGETS}): class indices or a soft-target matrix;
 *   <li>{@code task_loss}: the student's own loss, a scalar;
 *   <li>{@code param.<name>}: weights of the distillation's trainable parts;
 *   <li>{@code expected.<name>}: reference results (golden files), never inputs;
 *   <li>any other key: a further named input under that key ({@code boxes}, {@code image_sizes},
 *       {@code mask.<pair>}, ...).
 * </ul>
 *
 * Floating-point model outputs, task loss and parameters are computed in float32, as the library does.
 */
public final class BatchFile {
    public static final String STUDENT = "student.";
    public static final String TEACHER = "teacher.";
    public static final String PARAM = "param.";
    public static final String EXPECTED = "expected.";
    public static final String TASK_LOSS = "task_loss";

    private final Map<String, NDArray> student = new LinkedHashMap<>();
    private final Map<String, NDArray> teacher = new LinkedHashMap<>();
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<String, NDArray> expected = new LinkedHashMap<>();
    private final Map<String, NDArray> inputs = new LinkedHashMap<>();
    private NDArray targets;
    private NDArray taskLoss;

    private BatchFile() {}

    /**
     * Reads and sorts the arrays of {@code file}.
     *
     * @param notes told of each array converted to float32
     * @throws InvalidInputException naming the file and the key: not an archive, an array of the wrong
     *     type or shape, or no student and teacher arrays
     */
    public static BatchFile read(Path file, NDManager manager, Consumer<String> notes) {
        return of(file.toString(), NpzFiles.read(file, manager), notes);
    }

    /** Sorts arrays already read from {@code source} (named in messages). */
    public static BatchFile of(String source, Map<String, NDArray> arrays, Consumer<String> notes) {
        BatchFile in = new BatchFile();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            String key = e.getKey();
            NDArray a = e.getValue();
            boolean computed = key.startsWith(STUDENT) || key.startsWith(TEACHER) || key.equals(TASK_LOSS)
                    || key.startsWith(PARAM);
            if (computed) {
                if (!a.getDataType().isFloating()) {
                    throw new InvalidInputException(source + ": '" + key + "' must hold floating-point numbers, got "
                            + a.getDataType());
                }
                if (a.getDataType() != DataType.FLOAT32) {
                    notes.accept(source + ": '" + key + "' is " + a.getDataType() + "; computing in float32");
                    a = a.toType(DataType.FLOAT32, false);
                }
            }
            if (named(key, STUDENT)) {
                in.student.put(key.substring(STUDENT.length()), a);
            } else if (named(key, TEACHER)) {
                in.teacher.put(key.substring(TEACHER.length()), a);
            } else if (named(key, PARAM)) {
                in.params.put(key.substring(PARAM.length()), a);
            } else if (named(key, EXPECTED)) {
                in.expected.put(key.substring(EXPECTED.length()), a);
            } else if (key.equals(BatchInputs.TARGETS)) {
                in.targets = a;
            } else if (key.equals(TASK_LOSS)) {
                if (a.getShape().size() != 1) {
                    throw new InvalidInputException(source + ": '" + TASK_LOSS + "' must be a scalar, got shape " + a.getShape());
                }
                in.taskLoss = a.reshape(new Shape());
            } else if (computed) {
                throw new InvalidInputException(source + ": '" + key + "' names no output: write '" + key + "<name>'");
            } else {
                in.inputs.put(key, a);
            }
        }
        if (in.student.isEmpty() || in.teacher.isEmpty()) {
            throw new InvalidInputException(source + ": needs 'student.<name>' and 'teacher.<name>' arrays; it has: "
                    + (arrays.isEmpty() ? "none" : String.join(", ", arrays.keySet())));
        }
        return in;
    }

    private static boolean named(String key, String prefix) {
        return key.startsWith(prefix) && key.length() > prefix.length();
    }

    /** A builder of this batch's step: its outputs (the student's recording gradients), targets, task loss and inputs. */
    public DistillBatch.Builder toBatch(NDManager stepManager) {
        DistillBatch.Builder b = DistillBatch.builder(stepManager);
        student.forEach((k, v) -> {
            v.setRequiresGradient(true);
            b.student(k, v);
        });
        teacher.forEach(b::teacher);
        inputs.forEach(b::input);
        if (targets != null) {
            b.targets(targets);
        }
        if (taskLoss != null) {
            b.taskLoss(taskLoss);
        }
        return b;
    }

    public Map<String, NDArray> student() {
        return Collections.unmodifiableMap(student);
    }

    public Map<String, NDArray> teacher() {
        return Collections.unmodifiableMap(teacher);
    }

    /** The trainable parts' weights, by parameter name (without {@code param.}). */
    public Map<String, NDArray> params() {
        return Collections.unmodifiableMap(params);
    }

    /** Reference results, by name (without {@code expected.}). */
    public Map<String, NDArray> expected() {
        return Collections.unmodifiableMap(expected);
    }

    /** Further named inputs, by their full key. */
    public Map<String, NDArray> inputs() {
        return Collections.unmodifiableMap(inputs);
    }

    public Optional<NDArray> targets() {
        return Optional.ofNullable(targets);
    }

    public Optional<NDArray> taskLoss() {
        return Optional.ofNullable(taskLoss);
    }

    public Map<String, Shape> studentShapes() {
        return shapes(student);
    }

    public Map<String, Shape> teacherShapes() {
        return shapes(teacher);
    }

    private static Map<String, Shape> shapes(Map<String, NDArray> arrays) {
        Map<String, Shape> m = new LinkedHashMap<>();
        arrays.forEach((k, v) -> m.put(k, v.getShape()));
        return m;
    }
}
