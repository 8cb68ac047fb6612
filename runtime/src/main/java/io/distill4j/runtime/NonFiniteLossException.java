package io.distill4j.runtime;

/**
 * A term that produced NaN or Inf, naming the pair, the term, its place in the experiment file
 * and the step. Raised when the experiment's {@code non-finite} policy is {@code fail} (the default).
 */
public class NonFiniteLossException extends Distill4jException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was non-finite, where and when
     */
    public NonFiniteLossException(String message) {
        super(Kind.BAD_INPUT, message);
    }
}
