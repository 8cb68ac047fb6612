package io.distill4j.runtime;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one step.
 *
 * @param total {@code task_weight * task_loss + sum of weighted terms}; call backward on this
 * @param taskLoss the task loss as given, if any
 * @param terms every term, raw and weighted, in plan order
 * @param values the same numbers on the host, as {@link Distiller#compute} read them in its one
 *     transfer of the step; empty for a result made without them ({@link StepValues#read(DistillResult)}
 *     reads them then)
 */
public record DistillResult(NDArray total, Optional<NDArray> taskLoss, List<TermResult> terms, Optional<StepValues> values) {
    public DistillResult {
        terms = List.copyOf(terms);
        Objects.requireNonNull(values, "values");
    }

    /** A result whose numbers are not read yet. */
    public DistillResult(NDArray total, Optional<NDArray> taskLoss, List<TermResult> terms) {
        this(total, taskLoss, terms, Optional.empty());
    }
}
