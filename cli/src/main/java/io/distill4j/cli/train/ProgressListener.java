package io.distill4j.cli.train;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import io.distill4j.djl.EpochHistory;
import io.distill4j.djl.EpochSummary;
import java.io.PrintWriter;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The tool's display of a run: a progress bar per epoch with the running loss, then one line per
 * epoch with its mean loss and test accuracy, read from the run's {@link EpochHistory} (which must
 * come before this listener in the config).
 */
final class ProgressListener extends TrainingListenerAdapter {
    /** "test", or "validation" when the run evaluates on a split held out of the training data. */
    private final String evaluatedOn;
    private final String label;
    private final int epochs;
    private final int batches;
    private final EpochHistory history;
    private final PrintWriter log;
    private int epoch = 1;
    private ProgressBar bar;

    ProgressListener(String label, int epochs, int batchesPerEpoch, EpochHistory history, PrintWriter log, String evaluatedOn) {
        this.evaluatedOn = evaluatedOn;
        this.label = label;
        this.epochs = epochs;
        this.batches = batchesPerEpoch;
        this.history = history;
        this.log = log;
    }

    /** The epoch the run continues at (after a resume). */
    void startAt(int nextEpoch) {
        this.epoch = nextEpoch;
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName(label + " " + epoch + "/" + epochs).setStyle(ProgressBarStyle.ASCII)
                    .setInitialMax(batches).setUpdateIntervalMillis(1000).continuousUpdate().build();
        }
        bar.step();
        bar.setExtraMessage(String.format(" loss %.4f", history.runningLoss()));
    }

    @Override
    public void onEpoch(Trainer trainer) {
        close();
        EpochSummary e = history.latest().orElseThrow(); // the history, listed before this listener, recorded the epoch
        log.printf("%s: epoch %d/%d  loss %.4f  %s accuracy %.2f%%%n", label, epoch, epochs, e.loss(), evaluatedOn,
                100 * e.accuracy());
        log.flush();
        epoch++;
    }

    @Override
    public void onTrainingEnd(Trainer trainer) {
        close();
    }

    private void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
