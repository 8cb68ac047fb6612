package io.distill4j.djl;

import java.util.Map;

/**
 * One training epoch, as {@link EpochHistory} recorded it.
 *
 * @param epoch the epoch, from 1
 * @param loss the mean training loss per step (for a {@link DistillationLoss}, the total)
 * @param parts for a {@link DistillationLoss}: the mean of {@code task} (unweighted) and of each
 *     term's weighted value ({@code <pair>.<term>}), in the plan's order; empty for other losses
 * @param accuracy top-1 accuracy on the validation data after the epoch, NaN without validation data
 */
public record EpochSummary(int epoch, double loss, Map<String, Double> parts, double accuracy) {
    public EpochSummary {
        parts = Map.copyOf(parts);
    }

    /** The mean task loss: the {@code task} part of a distillation, else the loss itself. */
    public double task() {
        return parts.getOrDefault("task", loss);
    }
}
