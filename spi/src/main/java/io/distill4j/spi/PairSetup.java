package io.distill4j.spi;

import ai.djl.ndarray.types.Shape;

/**
 * What a factory is given to create a loss or an adapter for one student/teacher layer pair: the
 * pair's name, the validated options, and the shapes of the tensors that will reach it (after the
 * pair's earlier adapters).
 *
 * <p>Implemented by the runtime; new accessors arrive as default methods.
 */
public interface PairSetup {
    /**
     * The layer pair's name from the experiment, for example {@code logits} or {@code dark3}.
     *
     * @return the layer pair's name from the experiment, for example {@code logits} or {@code dark3}
     */
    String pairName();

    /**
     * The configured options, validated against the factory's {@link OptionSpec}s.
     *
     * @return the configured options, validated against the factory's {@link OptionSpec}s
     */
    Options options();

    /**
     * The shape of the student tensor this loss or adapter receives, batch axis included.
     *
     * @return the shape of the student tensor this loss or adapter receives, batch axis included
     */
    Shape studentShape();

    /**
     * The shape of the teacher tensor this loss or adapter receives, batch axis included.
     *
     * @return the shape of the teacher tensor this loss or adapter receives, batch axis included
     */
    Shape teacherShape();
}
