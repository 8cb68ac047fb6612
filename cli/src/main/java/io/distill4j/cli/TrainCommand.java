package io.distill4j.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.distill4j.cli.train.Report;
import io.distill4j.cli.train.ResultsTable;
import io.distill4j.cli.train.SeedRuns;
import io.distill4j.cli.train.TrainJob;
import io.distill4j.cli.train.TrainSettings;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.Distill4jException;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.OutputPaths;
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

    @Option(names = "--seeds", paramLabel = "N", description = {"run every experiment on N seeds (train.seed, +1, ...)"
            + " and report mean ± std and the paired difference's 95%% confidence interval (default: train.seeds)"})
    Integer seeds;

    @Option(names = "--table", paramLabel = "FILE.md", description = "also write the results as a Markdown table (a column per"
            + " dataset, a row per model), for a README")
    Path table;

    @Option(names = "--op-profile", paramLabel = "FIRST:STEPS", description = {"record libtorch's operator profiler over"
            + " training steps FIRST to FIRST+STEPS-1 of each run, as a Chrome trace: op-profile-<run>.json in the run's"
            + " folder (chrome://tracing, Perfetto; tools/bench/op_profile.py sums it per operator). Profiling slows the"
            + " small operators: time runs without it"})
    String opProfile;

    @Override
    public Integer call() throws IOException {
        long started = System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (seeds != null && seeds < 1) {
            throw new InvalidInputException("--seeds " + seeds + ": give at least 1 (the number of seeds to run)");
        }
        if (table != null) {
            OutputPaths.file(table, "the --table file");
        }
        TrainJob.OpProfile window = opProfile == null ? null : TrainJob.OpProfile.parse(opProfile);
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
        ExperimentRuns runs = new ExperimentRuns(runtime, resume, err).opProfile(window);
        List<ExperimentRuns.Planned> planned = new ArrayList<>();
        for (Experiment e : read) {
            int n = seeds != null ? seeds : e.settings().seeds();
            planned.add(runs.plan(e, n, e.settings().outputDir(e.name())));
        }
        // Every folder and file of every run is checked (and a resume verified) before anything trains.
        for (ExperimentRuns.Planned p : planned) {
            p.prepare();
        }
        boolean spread = planned.stream().anyMatch(p -> p.jobs.size() > 1);
        List<SeedRuns> results = new ArrayList<>();
        Map<String, String> failures = new LinkedHashMap<>();
        for (ExperimentRuns.Planned p : planned) {
            SeedRuns r;
            try {
                r = p.run();
            } catch (Distill4jException e) {
                if (planned.size() == 1 || e.kind() != Distill4jException.Kind.BAD_INPUT) {
                    throw e;
                }
                // One experiment failing does not throw away the others' results: it is reported, and
                // the comparison table still comes, with this experiment marked as failed.
                err.println("error: " + p.experiment.name() + ": " + e.getMessage());
                err.flush();
                failures.put(p.experiment.name(), e.getMessage());
                continue;
            }
            results.add(r);
            if (p.jobs.size() == 1) {
                TrainJob.Outcome o = r.runs().get(0);
                Report.table(out, o);
                out.println("  log: " + o.output().resolve("steps.csv") + "   chart: " + o.output().resolve("chart.png")
                        + "   checkpoints: " + o.output().resolve("checkpoints"));
            } else {
                Report.seeds(out, r);
                out.println("  chart of the spread: " + r.output().resolve("chart.png") + "   each seed: "
                        + r.output().resolve("seed-<n>"));
            }
            out.flush();
        }
        if (planned.size() > 1) {
            if (spread) {
                Report.seedComparison(out, results, failures);
            } else {
                Report.comparison(out, results.stream().map(r -> r.runs().get(0)).toList(), failures);
            }
        }
        if (table != null && !results.isEmpty()) {
            String command = "distill " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
            OutputPaths.writeAtomically(table, ResultsTable.markdown(results, command, (System.nanoTime() - started) / 60e9));
            out.println("table: " + table);
        }
        return failures.isEmpty() ? 0 : DistillCli.BAD_INPUT;
    }

    /** The built-in default experiment from the jar. */
    static Config builtIn() {
        return ConfigFactory.parseResources(TrainCommand.class.getClassLoader(), DEFAULT,
                ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
    }
}
