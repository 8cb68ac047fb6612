package io.distill4j.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import io.distill4j.runtime.DistillResult;
import io.distill4j.runtime.StepValues;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Records each epoch of any DJL training (distilled or not) as an {@link EpochSummary}: the mean
 * training loss, for a {@link DistillationLoss} the mean task loss and weighted terms, and the top-1
 * accuracy of the first output against the first label on the validation data that
 * {@code EasyTrain.fit} evaluates after the epoch. Optionally draws them as a PNG chart after every
 * epoch ({@link #chart}), or at most every so often ({@link #chartEvery}), so a run stopped early still
 * has its picture; the chart is drawn beside the training, and the last epoch's is written when the
 * trainer closes. It also times the training steps ({@link #medianStepSeconds}).
 *
 * <p>It reads the predictions DJL hands to every listener; it needs no other listener and no order
 * among them. The values leave the device once per step, as DJL's own evaluators do.
 */
public final class EpochHistory extends TrainingListenerAdapter {
    private final List<EpochSummary> epochs = new ArrayList<>();
    private final Map<String, Double> partSums = new LinkedHashMap<>();
    private int nextEpoch = 1;
    private double lossSum;
    private long steps;
    private long correct;
    private long seen;
    private Path png;
    private String title;
    private String series;
    private final Map<String, List<EpochSummary>> compared = new LinkedHashMap<>();
    private final Map<String, Double> references = new LinkedHashMap<>();
    private ExecutorService drawing;
    private Future<?> drawn;
    /** The least time between two drawings of the chart, in nanoseconds; 0 draws after every epoch. */
    private long chartEveryNanos;
    /** When training began or the chart was last drawn, whichever is later. */
    private long chartClock;
    /** The number of epochs the chart on disk (or being drawn) shows. */
    private int charted;
    /** When the last training step of this epoch ended; 0 before the epoch's first. */
    private long lastStepEnd;
    /** Nanoseconds between consecutive training steps of one epoch, the whole run's. */
    private long[] stepNanos = new long[1024];
    private int stepCount;

    /** The epoch the next summary is numbered with (from 1): {@code k + 1} after resuming k epochs. */
    public EpochHistory startAt(int epoch) {
        this.nextEpoch = epoch;
        return this;
    }

    /**
     * Draws the history to {@code png} after every epoch: the loss and its parts per epoch (log scale)
     * beside the validation accuracy.
     */
    public EpochHistory chart(Path png, String title) {
        return chart(png, title, title);
    }

    /** As {@link #chart(Path, String)}, naming this run's accuracy line {@code series} (e.g. "student distilled"). */
    public EpochHistory chart(Path png, String title, String series) {
        this.png = png;
        this.title = title;
        this.series = series;
        return this;
    }

    /**
     * Draws the chart after an epoch only when {@code minimum} has passed since training began or the
     * chart was last drawn; the last epoch's chart is drawn when training ends all the same. Rendering
     * takes tens of milliseconds, and its first drawings make the JIT compile the renderer: on a machine
     * whose cores all run the training's kernels, that time comes out of the training steps, which
     * matters when epochs last seconds. The default, zero, draws after every epoch.
     */
    public EpochHistory chartEvery(java.time.Duration minimum) {
        if (minimum.isNegative()) {
            throw new IllegalArgumentException("chartEvery: a negative interval, " + minimum);
        }
        this.chartEveryNanos = minimum.toNanos();
        return this;
    }

    /** Another run's accuracy per epoch, drawn beside this one's (e.g. the student trained alone). */
    public EpochHistory compareWith(String name, List<EpochSummary> other) {
        compared.put(name, List.copyOf(other));
        return this;
    }

    /** A fixed accuracy drawn as a line across the chart (e.g. the teacher's). */
    public EpochHistory reference(String name, double accuracy) {
        references.put(name, accuracy);
        return this;
    }

    /** The epochs recorded so far, in order. */
    public List<EpochSummary> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** The last epoch's summary; empty before the first epoch ends. */
    public java.util.Optional<EpochSummary> latest() {
        return epochs.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(epochs.get(epochs.size() - 1));
    }

    /**
     * The median time of a training step, in seconds: the interval between two consecutive training
     * steps of one epoch as the loop runs them (batch assembly, forward, backward, update and every
     * listener's per-step work), so the per-epoch evaluation and saving are not in it. NaN before an
     * epoch's second step.
     */
    public double medianStepSeconds() {
        if (stepCount == 0) {
            return Double.NaN;
        }
        long[] sorted = java.util.Arrays.copyOf(stepNanos, stepCount);
        java.util.Arrays.sort(sorted);
        return sorted[stepCount / 2] / 1e9;
    }

    /** The mean training loss of the epoch so far (for progress displays); NaN before its first step. */
    public double runningLoss() {
        return steps == 0 ? Double.NaN : lossSum / steps;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        Loss loss = trainer.getLoss();
        for (Map.Entry<Device, NDList> device : batchData.getPredictions().entrySet()) {
            NDList labels = batchData.getLabels().get(device.getKey());
            NDList predictions = device.getValue();
            if (loss instanceof DistillationLoss distillation) {
                // The step's result, computed once by the loss: reading it adds no computation.
                DistillResult r = distillation.result(labels, predictions);
                StepValues v = distillation.values(r);
                lossSum += v.total();
                if (v.hasTaskLoss()) {
                    partSums.merge("task", (double) v.taskLoss(), Double::sum);
                }
                for (int i = 0; i < r.terms().size(); i++) {
                    partSums.merge(r.terms().get(i).key(), (double) v.weighted(i), Double::sum);
                }
            } else {
                NDArray value = loss instanceof RememberingLoss remembering ? remembering.valueFor(predictions) : null;
                lossSum += (value != null ? value : loss.evaluate(labels, predictions)).getFloat();
            }
        }
        steps++;
        long now = System.nanoTime();
        if (lastStepEnd != 0) {
            if (stepCount == stepNanos.length) {
                stepNanos = java.util.Arrays.copyOf(stepNanos, 2 * stepCount);
            }
            stepNanos[stepCount++] = now - lastStepEnd;
        }
        lastStepEnd = now;
    }

    @Override
    public void onValidationBatch(Trainer trainer, BatchData batchData) {
        for (Map.Entry<Device, NDList> device : batchData.getPredictions().entrySet()) {
            NDArray label = batchData.getLabels().get(device.getKey()).get(0);
            NDArray predicted = device.getValue().get(0).argMax(1);
            correct += predicted.eq(label.toType(DataType.INT64, false)).sum().getLong();
            seen += label.getShape().get(0);
        }
    }

    @Override
    public void onEpoch(Trainer trainer) {
        long n = Math.max(steps, 1);
        Map<String, Double> means = new LinkedHashMap<>();
        partSums.forEach((k, v) -> means.put(k, v / n));
        epochs.add(new EpochSummary(nextEpoch++, lossSum / n, means, seen == 0 ? Double.NaN : (double) correct / seen));
        partSums.clear();
        lossSum = 0;
        steps = 0;
        correct = 0;
        seen = 0;
        lastStepEnd = 0; // the next epoch's first step follows the evaluation: not a step's time
        if (png != null && System.nanoTime() - chartClock >= chartEveryNanos) {
            drawChart();
        }
    }

    @Override
    public void onTrainingBegin(Trainer trainer) {
        chartClock = System.nanoTime();
    }

    /** The last epoch's chart is on disk when the trainer closes (DJL ends training there). */
    @Override
    public void onTrainingEnd(Trainer trainer) {
        if (png != null && charted < epochs.size()) {
            drawChart();
        }
        if (drawing != null) {
            try {
                awaitChart();
            } finally {
                drawing.shutdown();
                drawing = null;
            }
        }
    }

    /**
     * Draws the chart of the epochs so far on a thread of its own: rendering takes tens of
     * milliseconds, which the training step need not wait for. One drawing at a time; the previous
     * one has finished (and reported a failure) before the next starts.
     */
    private void drawChart() {
        awaitChart();
        if (drawing == null) {
            drawing = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "distill4j-chart");
                t.setDaemon(true);
                return t;
            });
        }
        chartClock = System.nanoTime();
        charted = epochs.size();
        List<EpochSummary> soFar = List.copyOf(epochs);
        Map<String, List<EpochSummary>> others = new LinkedHashMap<>(compared);
        Map<String, Double> lines = new LinkedHashMap<>(references);
        drawn = drawing.submit(() -> {
            TrainingChart.write(png, title, series, soFar, others, lines);
            return null;
        });
    }

    private void awaitChart() {
        if (drawn == null) {
            return;
        }
        Future<?> pending = drawn;
        drawn = null;
        try {
            pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new UncheckedIOException(png + ": cannot write the chart (" + io.getMessage() + ")", io);
            }
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(png + ": cannot write the chart", cause);
        }
    }
}
