package io.distill4j.spi;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/** A student tensor and its teacher counterpart, as passed through the feature adapters of a pair. */
public final class FeaturePair {
    private final NDArray student;
    private final NDArray teacher;

    private FeaturePair(NDArray student, NDArray teacher) {
        this.student = Objects.requireNonNull(student, "student");
        this.teacher = Objects.requireNonNull(teacher, "teacher");
    }

    /**
     * A pair of a student tensor and a teacher tensor.
     *
     * @param student the student's tensor
     * @param teacher the teacher's tensor, a constant
     * @return a pair of a student tensor and a teacher tensor
     */
    public static FeaturePair of(NDArray student, NDArray teacher) {
        return new FeaturePair(student, teacher);
    }

    /**
     * The student side, which carries gradient.
     *
     * @return the student side, which carries gradient
     */
    public NDArray student() {
        return student;
    }

    /**
     * The teacher side, a constant.
     *
     * @return the teacher side, a constant
     */
    public NDArray teacher() {
        return teacher;
    }
}
