package io.distill4j.cli;

import com.typesafe.config.Config;
import io.distill4j.cli.train.TrainJob;
import io.distill4j.cli.train.TrainSettings;
import io.distill4j.runtime.OutputPaths;
import io.distill4j.runtime.config.ExperimentLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code distill export}: the trained student alone, as a DJL parameter file. */
@Command(name = "export", description = {
        "Write the student of an experiment's last checkpoint alone (no adapters, generators or teacher)",
        "as a DJL parameter file, with a .properties file saying how to rebuild the block that loads it."})
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "EXPERIMENT", description = "the experiment (default: the built-in one)")
    Path experiment;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "the parameter file (default: <run>/student.params)")
    Path output;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Config c = experiment == null ? TrainCommand.builtIn() : ExperimentLoader.read(experiment);
        String name = experiment == null ? "kd" : experiment.getFileName().toString().replaceFirst("\\.conf$", "");
        TrainSettings settings = TrainSettings.of(c, experiment == null ? TrainCommand.DEFAULT : experiment.toString());
        Path target = OutputPaths.file(output != null ? output : Path.of(settings.outputDir(name).toString(), "student.params"),
                "the exported student");
        Path from = TrainJob.export(name, settings, target);
        out.println("wrote " + target + " (student of " + from + ") and " + target + ".properties");
        return 0;
    }
}
