package io.distill4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The arrays of an inputs {@code .npz} sorted by the key convention: {@code student.<name>},
 * {@code teacher.<name>}, {@code targets}, {@code task_loss}, {@code param.<name>} (weights of trainable
 * parts), and any other key as a further named input (for example {@code mask.<pair>}).
 */
final class Inputs {
    static final String STUDENT = "student.";
    static final String TEACHER = "teacher.";
    static final String TARGETS = "targets";
    static final String TASK_LOSS = "task_loss";
    static final String PARAM = "param.";

    final Map<String, NDArray> student = new LinkedHashMap<>();
    final Map<String, NDArray> teacher = new LinkedHashMap<>();
    final Map<String, NDArray> extra = new LinkedHashMap<>();
    final Map<String, NDArray> params = new LinkedHashMap<>();
    NDArray targets;
    NDArray taskLoss;

    /** Sorts the arrays; floating-point tensors are computed in float32, as the library does. */
    static Inputs of(Path file, Map<String, NDArray> arrays, PrintWriter err) {
        Inputs in = new Inputs();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            String key = e.getKey();
            NDArray a = e.getValue();
            if (key.startsWith(STUDENT) || key.startsWith(TEACHER) || key.equals(TASK_LOSS) || key.startsWith(PARAM)) {
                if (!a.getDataType().isFloating()) {
                    throw new UserError(file + ": '" + key + "' must hold floating-point numbers, got " + a.getDataType());
                }
                if (a.getDataType() != DataType.FLOAT32) {
                    err.println("note: " + file + ": '" + key + "' is " + a.getDataType() + "; computing in float32");
                    a = a.toType(DataType.FLOAT32, false);
                }
            }
            if (key.startsWith(STUDENT) && key.length() > STUDENT.length()) {
                in.student.put(key.substring(STUDENT.length()), a);
            } else if (key.startsWith(TEACHER) && key.length() > TEACHER.length()) {
                in.teacher.put(key.substring(TEACHER.length()), a);
            } else if (key.startsWith(PARAM) && key.length() > PARAM.length()) {
                in.params.put(key.substring(PARAM.length()), a);
            } else if (key.equals(TARGETS)) {
                in.targets = a;
            } else if (key.equals(TASK_LOSS)) {
                if (a.getShape().size() != 1) {
                    throw new UserError(file + ": 'task_loss' must be a scalar, got shape " + a.getShape());
                }
                in.taskLoss = a.reshape(new Shape());
            } else {
                in.extra.put(key, a);
            }
        }
        if (in.student.isEmpty() || in.teacher.isEmpty()) {
            throw new UserError(file + ": needs 'student.<name>' and 'teacher.<name>' arrays; it has: "
                    + String.join(", ", arrays.keySet()));
        }
        return in;
    }

    static Map<String, Shape> shapes(Map<String, NDArray> arrays) {
        Map<String, Shape> m = new LinkedHashMap<>();
        arrays.forEach((k, v) -> m.put(k, v.getShape()));
        return m;
    }
}
