package io.distill4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * A loss that keeps the value of its last evaluation, so that an {@link EpochHistory} reads the
 * training step's loss instead of computing it a second time: DJL's {@code EasyTrain} evaluates the
 * loss for the backward pass but hands listeners only the predictions. (A {@link DistillationLoss}
 * does the same for its parts already.)
 *
 * <pre>{@code
 * new DefaultTrainingConfig(new RememberingLoss(Loss.softmaxCrossEntropyLoss()))
 *         .addTrainingListeners(new EpochHistory());
 * }</pre>
 */
public final class RememberingLoss extends Loss {
    private final Loss loss;
    private NDList lastPredictions;
    private NDArray lastValue;

    public RememberingLoss(Loss loss) {
        super(loss.getName());
        this.loss = loss;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray value = loss.evaluate(labels, predictions);
        lastPredictions = predictions;
        lastValue = value;
        return value;
    }

    /**
     * The value computed for exactly these predictions (the same list, as DJL passes it from the step
     * to its listeners), or null when the last evaluation was of other predictions.
     */
    NDArray valueFor(NDList predictions) {
        return predictions == lastPredictions ? lastValue : null;
    }
}
