package io.distill4j.cli;

import io.distill4j.cli.train.TrainJob;
import io.distill4j.djl.TeacherOutputs;
import io.distill4j.runtime.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code distill teacher-outputs}: the teachers' outputs that an experiment's pairs read, computed once and stored. */
@Command(name = "teacher-outputs", description = {
        "Compute, in inference mode, the teacher tensors that the experiment's pairs read (logits, feature taps) for",
        "every sample of its data (training split, then test split) and store them in shards with a manifest.",
        "Then set train.teacher-outputs to the folder: distill train reads them instead of running the teacher."})
final class TeacherOutputsCommand implements Callable<Integer> {
    @ParentCommand
    DistillCli root;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "EXPERIMENT", description = "an experiment file (.conf)")
    Path experiment;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR",
            description = "where to store them (default: <train.output>/<experiment>/teacher-outputs)")
    Path output;

    @Option(names = "--precision", defaultValue = "float32", description = "float32 (exact) or float16 (half the size)")
    String precision;

    @Option(names = "--shard-size", defaultValue = "1024", description = "samples per shard file (default 1024)")
    int shardSize;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TeacherOutputs.Precision p = TeacherOutputs.Precision.of(precision);
        if (shardSize < 1) {
            throw new InvalidInputException("--shard-size " + shardSize + ": give at least 1");
        }
        Experiment e = Experiment.readAll(root.runtime(err), List.of(experiment)).get(0);
        Path dir = output != null ? output : e.settings().outputDir(e.name()).resolve("teacher-outputs");
        long t0 = System.nanoTime();
        TeacherOutputs stored = new TrainJob(e.name(), e.plan(), e.settings(), false, err).computeTeacherOutputs(dir, p, shardSize);
        out.printf(Locale.ROOT, "teacher outputs: %s%n  %d samples, %s, taps %s, %d bytes (%s per sample), %.1f s%n"
                        + "  use them: train.teacher-outputs = \"%s\"%n", dir, stored.samples(), stored.precision(),
                stored.taps(), stored.bytesOnDisk(), perSample(stored.bytesOnDisk() / (double) stored.samples()),
                (System.nanoTime() - t0) / 1e9, dir);
        return 0;
    }

    /** "20 bytes" for logits, "196.0 KB" for a feature map: the unit that shows the number. */
    private static String perSample(double bytes) {
        return bytes < 1024 ? String.format(Locale.ROOT, "%.0f bytes", bytes) : String.format(Locale.ROOT, "%.1f KB", bytes / 1024);
    }
}
