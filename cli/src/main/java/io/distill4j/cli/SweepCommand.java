package io.distill4j.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import io.distill4j.cli.train.Report;
import io.distill4j.cli.train.SeedRuns;
import io.distill4j.cli.train.Spread;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.OutputPaths;
import io.distill4j.runtime.config.ExperimentException;
import io.distill4j.runtime.config.Origin;
import io.distill4j.runtime.config.Problem;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code distill sweep}: trains every point of an experiment's {@code sweep { }} block on the same
 * seeds, selects on a validation split carved from the training data (never the test set), writes the
 * best point as a complete experiment file, and reports the chosen point's test accuracy.
 */
@Command(name = "sweep", description = {
        "Run an experiment's sweep { \"path\" = [values], ... } block: every point (the grid, or --draws random ones)",
        "on the same seeds, ranked by mean distilled accuracy on a validation split held out of the training data.",
        "Writes the table and the best point as a complete experiment (best.conf), then trains that point on the",
        "full training data and reports its test accuracy."})
final class SweepCommand implements Callable<Integer> {
    @ParentCommand
    DistillCli root;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "EXPERIMENT", description = "an experiment file (.conf) with a sweep { } block")
    Path experiment;

    @Option(names = "--seeds", paramLabel = "N", description = "seeds per point (default: train.seeds)")
    Integer seeds;

    @Option(names = "--draws", paramLabel = "N", description = "run N points drawn at random from the grid instead of all")
    Integer draws;

    @Option(names = "--draw-seed", paramLabel = "S", defaultValue = "0", description = "seed of the random draws (default: 0)")
    long drawSeed;

    @Option(names = "--max-points", paramLabel = "N", defaultValue = "16",
            description = "refuse to run more points than this (default: 16): each point is seeds x (alone + distilled)")
    int maxPoints;

    @Option(names = "--validation", paramLabel = "FRACTION",
            description = "fraction of the training data held out to select on (default: train.data.validation, else 0.1)")
    Double validation;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (seeds != null && seeds < 1) {
            throw new InvalidInputException("--seeds " + seeds + ": give at least 1 (the number of seeds per point)");
        }
        if (draws != null && draws < 1) {
            throw new InvalidInputException("--draws " + draws + ": give at least 1 (the number of random points)");
        }
        if (maxPoints < 1) {
            throw new InvalidInputException("--max-points " + maxPoints + ": give at least 1");
        }
        if (validation != null && !(validation > 0 && validation <= 0.5)) {
            throw new InvalidInputException("--validation " + validation + ": give a fraction above 0 and at most 0.5");
        }
        Distill4j runtime = root.runtime(err);
        Experiment base = Experiment.readAll(runtime, List.of(experiment)).get(0);
        Sweep sweep = Sweep.of(base.config(), experiment.toString());
        long grid = sweep.gridSize();
        long count = draws == null ? grid : Math.min(draws, grid);
        if (count > maxPoints) {
            String sizes = sweep.axes.stream().map(a -> Integer.toString(a.values().size())).reduce((a, b) -> a + " x " + b).orElse("");
            throw new ExperimentException(List.of(new Problem(Origin.of(base.config().getValue("sweep").origin()), "sweep",
                    "the sweep has " + count + " points (" + sizes + "), over the limit of " + maxPoints
                            + ": pass --max-points " + count + " to run them all, or --draws N for N random points")));
        }
        double held = validation != null ? validation : base.settings().validation() > 0 ? base.settings().validation() : 0.1;
        int n = seeds != null ? seeds : base.settings().seeds();
        List<Sweep.Point> points = sweep.points(runtime, base.name(), experiment.toString(), draws == null ? 0 : draws,
                drawSeed, held);

        Path folder = base.settings().outputDir(base.name() + "-sweep");
        OutputPaths.folder(folder, "the sweep's folder");
        Path table = OutputPaths.file(folder.resolve("sweep.txt"), "the sweep's table");
        Path best = OutputPaths.file(folder.resolve("best.conf"), "the best point's experiment file");
        ExperimentRuns runs = new ExperimentRuns(runtime, false, err);
        List<ExperimentRuns.Planned> planned = new ArrayList<>();
        for (Sweep.Point p : points) {
            planned.add(runs.plan(p.experiment(), n, folder.resolve("point-" + p.number())));
        }
        for (ExperimentRuns.Planned p : planned) {
            p.prepare();
        }
        out.printf(Locale.ROOT, "sweep of %s: %d point(s) x %d seed(s), selected on validation accuracy (%.0f%% of the"
                + " training data held out)%n", experiment, points.size(), n, 100 * held);
        out.flush();
        List<Ranked> ranked = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            Sweep.Point point = points.get(i);
            SeedRuns r = planned.get(i).run();
            ranked.add(new Ranked(point, r));
            out.printf(Locale.ROOT, "  point %d/%d (%s): alone %s, distilled %s, delta %s%n", point.number(), points.size(),
                    point.describe(sweep.axes), r.alone().percent(), r.distilled().percent(), r.difference().difference());
            out.flush();
        }
        // A point on which some seed did not learn ranks below every point that learned on all of them.
        ranked.sort(Comparator.comparingInt((Ranked r) -> r.runs.learned().size()).thenComparingDouble(r ->
                Double.isNaN(r.runs.distilled().mean()) ? Double.NEGATIVE_INFINITY : r.runs.distilled().mean()).reversed());

        StringWriter text = new StringWriter();
        PrintWriter t = new PrintWriter(text);
        t.printf(Locale.ROOT, "sweep of %s: %d point(s) x %d seed(s) (%s), validation accuracy (%.0f%% of the training"
                + " data), mean ± std, ranked by seeds that learned, then mean distilled%n", experiment, points.size(), n, seedList(ranked.get(0).runs), 100 * held);
        List<String> header = new ArrayList<>(List.of("RANK", "POINT"));
        sweep.axes.forEach(a -> header.add(a.path()));
        header.addAll(List.of("ALONE", "DISTILLED", "DELTA [95% CI]", "SEEDS"));
        TextTable tt = new TextTable(header.toArray(String[]::new));
        for (int i = 0; i < ranked.size(); i++) {
            Ranked r = ranked.get(i);
            List<Object> row = new ArrayList<>(List.of(i + 1, r.point.number()));
            for (int a = 0; a < sweep.axes.size(); a++) {
                row.add(sweep.axes.get(a).shown(r.point.choice()[a]));
            }
            row.addAll(List.of(r.runs.alone().percent(), r.runs.distilled().percent(), r.runs.difference().difference(),
                    r.runs.learned().size() + "/" + r.runs.runs().size()));
            tt.row(row.toArray());
        }
        tt.print(t);
        Ranked winner = ranked.get(0);
        if (Double.isNaN(winner.runs.distilled().mean())) {
            t.flush();
            out.print(text);
            throw new InvalidInputException("no point of the sweep learned on any seed (see the warnings above); nothing to choose");
        }

        Config chosen = sweep.pointConfig(winner.point.choice());
        OutputPaths.writeAtomically(best, header(experiment, winner, sweep, n, held) + chosen.root().render(ConfigRenderOptions.defaults()
                .setOriginComments(false).setJson(false).setFormatted(true)));
        t.printf(Locale.ROOT, "best: point %d (%s), written as %s%n", winner.point.number(), winner.point.describe(sweep.axes), best);
        t.flush();
        out.print(text);
        out.flush();

        // The chosen point on the test set: trained on all the training data, same seeds.
        List<Problem> problems = new ArrayList<>();
        Experiment test = Experiment.of(runtime, base.name() + "-best", chosen, best.toString(), problems)
                .orElseThrow(() -> new ExperimentException(problems));
        ExperimentRuns.Planned chosenRun = runs.plan(test, n, folder.resolve("best"));
        chosenRun.prepare();
        SeedRuns result = chosenRun.run();
        StringWriter tested = new StringWriter();
        PrintWriter tw = new PrintWriter(tested);
        tw.println();
        tw.println("the chosen point on the test set (trained on all the training data):");
        Report.seeds(tw, result);
        tw.flush();
        out.print(tested);
        out.flush();
        OutputPaths.writeAtomically(table, text + tested.toString());
        out.println("table: " + table + "   best point: " + best);
        return 0;
    }

    private record Ranked(Sweep.Point point, SeedRuns runs) {}

    private static String seedList(SeedRuns r) {
        return "seeds " + r.seeds().stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("");
    }

    private static String header(Path file, Ranked winner, Sweep sweep, int seeds, double held) {
        Spread d = winner.runs.difference();
        return String.format(Locale.ROOT, "# The best point of: distill sweep %s (%d seed(s), validation %.0f%% of the training data)%n"
                        + "# %s%n# validation: alone %s, distilled %s, delta %s%n# Run it with: distill train <this file>%n",
                file, seeds, 100 * held, winner.point.describe(sweep.axes), winner.runs.alone().percent(),
                winner.runs.distilled().percent(), d.difference());
    }

}
