package io.distill4j.djl;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import io.distill4j.runtime.DistillResult;
import io.distill4j.runtime.StepValues;
import io.distill4j.runtime.TermResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Keeps a {@link DistillationBlock}'s step and epoch in step with DJL's training loop (for weight
 * schedules, DKD's warmup and the random masks, which are a function of the seed, the step and the
 * pair), and optionally writes every training step's terms, raw and weighted, to a CSV file:
 * {@code epoch,step,total,task,<pair>.<term>.raw,<pair>.<term>.weighted,...}.
 */
public final class DistillationListener extends TrainingListenerAdapter {
    private final DistillationBlock block;
    private final DistillationLoss loss;
    private final Path csv;
    private BufferedWriter out;
    private boolean header = true;

    /** Counts steps and epochs only. */
    public DistillationListener(DistillationBlock block) {
        this(block, null, null);
    }

    /**
     * Counts steps and epochs and logs each training step of {@code loss} to {@code csv}. A run
     * resumed from a checkpoint continues the file: rows of the steps it computes again are dropped,
     * so the log reads as the uninterrupted run's.
     *
     * @throws UncheckedIOException naming the file when its folder cannot be created or written, before training starts
     */
    public DistillationListener(DistillationBlock block, DistillationLoss loss, Path csv) {
        this.block = block;
        this.loss = loss;
        this.csv = csv;
        if (csv != null) {
            Path dir = csv.toAbsolutePath().getParent();
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(csv + ": cannot write the step log (" + e.getMessage() + ")", e);
            }
            if (!Files.isWritable(dir) || Files.isDirectory(csv) || (Files.exists(csv) && !Files.isWritable(csv))) {
                throw new UncheckedIOException(new IOException(csv + ": cannot write the step log (not a writable file)"));
            }
        }
    }

    /** Opened at the first step, when a resumed run already knows the step it continues from. */
    private void open() throws IOException {
        long from = block.progress().step();
        if (from > 0 && Files.isRegularFile(csv)) {
            List<String> kept = new java.util.ArrayList<>();
            int columns = -1;
            for (String line : Files.readAllLines(csv)) {
                String[] cells = line.split(",", -1);
                if (line.startsWith("epoch,")) {
                    kept.add(line);
                    header = false;
                    columns = cells.length;
                } else if (cells.length == columns && cells[1].matches("\\d+") && Long.parseLong(cells[1]) < from) {
                    // Rows of the steps the run computes again go; so does a last row a kill cut short.
                    kept.add(line);
                }
            }
            Path tmp = Files.createTempFile(csv.toAbsolutePath().getParent(), ".steps", ".csv");
            Files.write(tmp, kept);
            Files.move(tmp, csv, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            out = Files.newBufferedWriter(csv, java.nio.file.StandardOpenOption.APPEND);
        } else {
            out = Files.newBufferedWriter(csv);
        }
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        if (csv != null && loss.lastResult() != null && loss.lastWasTraining()) {
            try {
                if (out == null) {
                    open();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(csv + ": cannot write the step log (" + e.getMessage() + ")", e);
            }
            write(loss.lastResult());
        }
        block.progress().stepDone();
    }

    @Override
    public void onEpoch(Trainer trainer) {
        block.progress().epochDone();
        flush();
    }

    @Override
    public void onTrainingEnd(Trainer trainer) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(csv + ": cannot finish the step log", e);
            }
            out = null;
        }
    }

    private void write(DistillResult r) {
        List<TermResult> terms = r.terms();
        try {
            if (header) {
                StringBuilder h = new StringBuilder("epoch,step,total,task");
                for (TermResult t : terms) {
                    h.append(',').append(t.key()).append(".raw,").append(t.key()).append(".weighted");
                }
                out.write(h.append('\n').toString());
                header = false;
            }
            StepValues v = loss.values(r);
            StringBuilder row = new StringBuilder().append(block.progress().epoch()).append(',')
                    .append(block.progress().step()).append(',').append(v.total()).append(',')
                    .append(v.hasTaskLoss() ? Float.toString(v.taskLoss()) : "");
            for (int i = 0; i < terms.size(); i++) {
                row.append(',').append(v.raw(i)).append(',').append(v.weighted(i));
            }
            out.write(row.append('\n').toString());
        } catch (IOException e) {
            throw new UncheckedIOException(csv + ": cannot write the step log", e);
        }
    }

    private void flush() {
        if (out != null) {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(csv + ": cannot write the step log", e);
            }
        }
    }
}
