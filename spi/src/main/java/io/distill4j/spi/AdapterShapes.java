package io.distill4j.spi;

import ai.djl.ndarray.types.Shape;
import java.util.Objects;

/**
 * The shapes of a layer pair's student and teacher tensors at one point of its adapter chain: what
 * an adapter was created with ({@link PairSetup}) or what it produces ({@link FeatureAdapter#shapes()}).
 *
 * @since 1.2
 */
public final class AdapterShapes {
    private final Shape student;
    private final Shape teacher;

    private AdapterShapes(Shape student, Shape teacher) {
        this.student = Objects.requireNonNull(student, "student shape");
        this.teacher = Objects.requireNonNull(teacher, "teacher shape");
    }

    /**
     * The shapes of one point of a pair's adapter chain.
     *
     * @param student the student tensor's shape
     * @param teacher the teacher tensor's shape
     * @return the two shapes
     */
    public static AdapterShapes of(Shape student, Shape teacher) {
        return new AdapterShapes(student, teacher);
    }

    /**
     * The student side.
     *
     * @return the student tensor's shape
     */
    public Shape student() {
        return student;
    }

    /**
     * The teacher side.
     *
     * @return the teacher tensor's shape
     */
    public Shape teacher() {
        return teacher;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdapterShapes other && student.equals(other.student) && teacher.equals(other.teacher);
    }

    @Override
    public int hashCode() {
        return 31 * student.hashCode() + teacher.hashCode();
    }

    @Override
    public String toString() {
        return "student " + student + ", teacher " + teacher;
    }
}
