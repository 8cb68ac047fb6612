package io.distill4j.runtime.config;

import io.distill4j.runtime.Distill4jException;
import java.util.List;

/**
 * An experiment that cannot run: every problem found, each with its origin. Nothing is computed
 * with a half-valid plan, so all problems are collected and reported at once.
 */
public class ExperimentException extends Distill4jException {
    private static final long serialVersionUID = 1L;

    /**
     * @param problems what is wrong, at least one
     */
    public ExperimentException(List<Problem> problems) {
        super(Kind.BAD_INPUT, problems);
    }
}
