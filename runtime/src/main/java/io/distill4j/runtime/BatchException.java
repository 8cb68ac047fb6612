package io.distill4j.runtime;

/**
 * A batch that does not fit the plan the {@link Distiller} was created for: a missing tensor or
 * input, or a shape other than the planned one. The message names the pair, the term and the
 * place in the experiment file.
 */
public class BatchException extends Distill4jException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the pair
     */
    public BatchException(String message) {
        super(Kind.BAD_INPUT, message);
    }
}
