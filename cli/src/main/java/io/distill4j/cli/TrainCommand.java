package io.distill4j.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.distill4j.cli.train.Report;
import io.distill4j.cli.train.TrainJob;
import io.distill4j.cli.train.TrainSettings;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.Distill4jException;
import io.distill4j.runtime.config.ExperimentLoader;
import io.distill4j.runtime.plan.DistillPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code distill train}: trains the teacher (once), the student alone and the student distilled. */
@Command(name = "train", description = {
        "Train a student with and without distillation, next to its teacher, from experiment files alone.",
        "With no file, runs the built-in default experiment (KD on the built-in shapes data).",
        "With several files, runs each and prints one comparison table."})
final class TrainCommand implements Callable<Integer> {
    /** The built-in default experiment, inside the jar. */
    static final String DEFAULT = "experiments/kd.conf";

    @ParentCommand
    DistillCli root;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "EXPERIMENT", arity = "0..*", description = "experiment files (.conf)")
    List<Path> experiments = new ArrayList<>();

    @Option(names = "--resume", description = "continue each run from its last complete checkpoint")
    boolean resume;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Distill4j runtime = root.runtime(err);
        // Check every experiment before the first one trains: a typo in the third file fails now.
        List<Experiment> read = new ArrayList<>();
        if (experiments.isEmpty()) {
            List<io.distill4j.runtime.config.Problem> problems = new ArrayList<>();
            Experiment.of(runtime, "kd", builtIn(), "built-in " + DEFAULT, problems).ifPresent(read::add);
            if (!problems.isEmpty()) {
                throw new io.distill4j.runtime.config.ExperimentException(problems);
            }
        }
        read.addAll(Experiment.readAll(runtime, experiments));
        List<TrainJob> jobs = new ArrayList<>();
        for (Experiment e : read) {
            jobs.add(new TrainJob(e.name(), e.plan(), e.settings(), resume, spec.commandLine().getErr())
                    .fingerprint(e.settings().fingerprint(e.config())));
        }
        List<TrainJob.Outcome> outcomes = new ArrayList<>();
        Map<String, String> failures = new LinkedHashMap<>();
        for (TrainJob job : jobs) {
            TrainJob.Outcome o;
            try {
                o = job.run();
            } catch (Distill4jException e) {
                if (jobs.size() == 1 || e.kind() != Distill4jException.Kind.BAD_INPUT) {
                    throw e;
                }
                // One experiment failing does not throw away the others' results: it is reported, and
                // the comparison table still comes, with this experiment marked as failed.
                err.println("error: " + job.name() + ": " + e.getMessage());
                err.flush();
                failures.put(job.name(), e.getMessage());
                continue;
            }
            outcomes.add(o);
            Report.table(out, o);
            out.println("  log: " + o.output().resolve("steps.csv") + "   chart: " + o.output().resolve("chart.png")
                    + "   checkpoints: " + o.output().resolve("checkpoints"));
            out.flush();
        }
        if (jobs.size() > 1) {
            Report.comparison(out, outcomes, failures);
        }
        return failures.isEmpty() ? 0 : DistillCli.BAD_INPUT;
    }

    /** The built-in default experiment from the jar. */
    static Config builtIn() {
        return ConfigFactory.parseResources(TrainCommand.class.getClassLoader(), DEFAULT,
                ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
    }
}
