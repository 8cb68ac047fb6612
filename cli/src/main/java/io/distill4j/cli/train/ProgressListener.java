package io.distill4j.cli.train;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import io.distill4j.djl.EpochHistory;
import io.distill4j.djl.EpochSummary;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The tool's display of a run: a progress bar per epoch with the running loss, then one line per
 * epoch with its mean loss and test accuracy, read from the run's {@link EpochHistory} (which must
 * come before this listener in the config).
 *
 * <p>It stays off the step's path: the terminal's width is read once per process (the progress bar
 * library, left to itself, builds a terminal, which forks {@code stty}, for every bar: about 20 ms an
 * epoch in the profile of a 5 ms step), and the running loss is formatted at most a few times a second,
 * since the bar redraws once a second anyway.
 */
final class ProgressListener extends TrainingListenerAdapter {
    /** "test", or "validation" when the run evaluates on a split held out of the training data. */
    private final String evaluatedOn;
    private final String label;
    private final int epochs;
    private final int batches;
    private final EpochHistory history;
    private final PrintWriter log;
    /** How often the bar's loss text is refreshed; it is drawn once a second. */
    private static final long MESSAGE_EVERY_NANOS = 250_000_000L;
    private int epoch = 1;
    private ProgressBar bar;
    private long messageAt;

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
                    .setInitialMax(batches).setUpdateIntervalMillis(1000).continuousUpdate()
                    .setConsumer(new ConsoleProgressBarConsumer(Console.STDERR, Console.WIDTH)).build();
        }
        bar.step();
        long now = System.nanoTime();
        long done = bar.getCurrent();
        if (done == 1 || done == batches || now - messageAt >= MESSAGE_EVERY_NANOS) {
            bar.setExtraMessage(String.format(" loss %.4f", history.runningLoss()));
            messageAt = now;
        }
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

    /** Where the bars go (standard error, as the library's default) and how wide they may be, found once. */
    private static final class Console {
        static final PrintStream STDERR = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
        static final int WIDTH = width();

        private static int width() {
            try (Terminal terminal = TerminalBuilder.builder().dumb(true).build()) {
                int columns = terminal.getWidth();
                return columns > 20 ? columns - 1 : 100; // a dumb terminal (a pipe, CI) reports 0
            } catch (IOException | RuntimeException e) {
                return 100;
            }
        }
    }
}
