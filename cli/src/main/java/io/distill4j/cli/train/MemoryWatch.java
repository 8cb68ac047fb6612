package io.distill4j.cli.train;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.util.function.IntSupplier;

/** Hands every training step to a {@link TrainJob.StepObserver} (the memory benchmark). */
final class MemoryWatch extends TrainingListenerAdapter {
    private final TrainJob.StepObserver observer;
    private final IntSupplier liveArrays;
    private long step;

    MemoryWatch(TrainJob.StepObserver observer, IntSupplier liveArrays) {
        this.observer = observer;
        this.liveArrays = liveArrays;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        observer.afterStep(step++, liveArrays);
    }
}
