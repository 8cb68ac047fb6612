package io.distill4j.cli.train;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * The run's outputs for people: the final table and the comparison across experiments (the chart
 * is drawn during the run, by the library's {@code EpochHistory}).
 */
public final class Report {
    private Report() {}

    /** Teacher, student alone and student distilled: accuracy, wall time, and what the distillation changed. */
    public static void table(PrintWriter out, TrainJob.Outcome o) {
        out.printf(Locale.ROOT, "%n%s%n", o.experiment());
        out.printf(Locale.ROOT, "  %-18s %10s %12s%n", "MODEL", "TEST ACC", "WALL TIME");
        o.teachers().forEach((name, t) -> out.printf(Locale.ROOT, "  %-18s %9.2f%% %12s%n",
                name.isEmpty() ? "teacher" : "teacher " + name, 100 * t.result().accuracy(),
                t.cached() ? "(cached)" : String.format(Locale.ROOT, "%.1f s", t.result().seconds())));
        out.printf(Locale.ROOT, "  %-18s %9.2f%% %10.1f s%n", "student alone", 100 * o.alone().accuracy(), o.alone().seconds());
        out.printf(Locale.ROOT, "  %-18s %9.2f%% %10.1f s%n", "student distilled", 100 * o.distilled().accuracy(),
                o.distilled().seconds());
        List<String> stuck = o.stuck();
        if (stuck.isEmpty()) {
            out.printf(Locale.ROOT, "  distillation: %+.2f points of test accuracy (distilled - alone)%n",
                    100 * (o.distilled().accuracy() - o.alone().accuracy()));
        } else {
            stuck.forEach(s -> out.println("  warning: " + s));
            out.println("  distillation: not measured (a run did not learn)");
        }
    }

    /** One row per experiment that ran, then one per experiment that failed, with the first line of why. */
    public static void comparison(PrintWriter out, List<TrainJob.Outcome> outcomes, Map<String, String> failures) {
        out.printf(Locale.ROOT, "%n%-24s %9s %9s %10s %8s %10s%n", "EXPERIMENT", "TEACHER", "ALONE", "DISTILLED", "DELTA",
                "TIME");
        for (TrainJob.Outcome o : outcomes) {
            String delta = o.stuck().isEmpty() ? String.format(Locale.ROOT, "%+7.2f", 100 * (o.distilled().accuracy()
                    - o.alone().accuracy())) : "no-learn";
            out.printf(Locale.ROOT, "%-24s %8.2f%% %8.2f%% %9.2f%% %7s %8.1f s%n", o.experiment(),
                    100 * o.teacher().result().accuracy(), 100 * o.alone().accuracy(), 100 * o.distilled().accuracy(),
                    delta, o.distilled().seconds());
        }
        failures.forEach((name, why) -> out.printf(Locale.ROOT, "%-24s failed: %s%n", name, why.lines().findFirst().orElse("")));
        if (outcomes.stream().anyMatch(o -> !o.stuck().isEmpty())) {
            out.println("no-learn: a run stayed at the uniform guess; its row is no result (see its table above)");
        }
    }

    /** An experiment over seeds: each seed in a line, then mean ± std per model and the paired difference. */
    public static void seeds(PrintWriter out, SeedRuns r) {
        out.printf(Locale.ROOT, "%n%s (%d seeds: %s; %s accuracy)%n", r.experiment(), r.runs().size(),
                r.seeds().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", ")), r.evaluatedOn());
        for (int i = 0; i < r.runs().size(); i++) {
            TrainJob.Outcome o = r.runs().get(i);
            String delta = o.stuck().isEmpty() ? String.format(Locale.ROOT, "%+.2f", 100 * (o.distilled().accuracy()
                    - o.alone().accuracy())) : "no-learn, left out";
            out.printf(Locale.ROOT, "  seed %-4d teacher %6.2f%%   alone %6.2f%%   distilled %6.2f%%   %s%n", r.seeds().get(i),
                    100 * o.teacher().result().accuracy(), 100 * o.alone().accuracy(), 100 * o.distilled().accuracy(), delta);
        }
        out.printf(Locale.ROOT, "  %-18s %16s%n", "MODEL", "MEAN ± STD (%)");
        out.printf(Locale.ROOT, "  %-18s %16s%n", "teacher", r.teacher().percent());
        out.printf(Locale.ROOT, "  %-18s %16s%n", "student alone", r.alone().percent());
        out.printf(Locale.ROOT, "  %-18s %16s%n", "student distilled", r.distilled().percent());
        Spread d = r.difference();
        if (d.n() < 2) {
            out.printf(Locale.ROOT, "  distillation: %s points over %d seed(s) that learned; no interval below two%n",
                    d.difference(), d.n());
        } else {
            out.printf(Locale.ROOT, "  distillation: %+.2f points, 95%% CI [%+.2f, %+.2f] (paired over %d seeds): %s%n",
                    100 * d.mean(), 100 * d.low(), 100 * d.high(), d.n(),
                    d.aboveZero() ? "it helps" : d.high() < 0 ? "it hurts" : "not distinguishable from no effect");
        }
        r.runs().forEach(o -> o.stuck().forEach(s -> out.println("  warning: " + s)));
    }

    /** Experiments over seeds side by side: mean ± std and the paired difference with its interval (and the data, when they differ). */
    public static void seedComparison(PrintWriter out, List<SeedRuns> runs, Map<String, String> failures) {
        boolean data = runs.stream().map(SeedRuns::data).distinct().count() > 1;
        String name = data ? "%-24s %-30s" : "%-24s%s";
        out.printf(Locale.ROOT, "%n" + name + " %15s %15s %15s %26s %6s%n", "EXPERIMENT", data ? "DATA" : "", "TEACHER", "ALONE",
                "DISTILLED", "DELTA [95% CI]", "SEEDS");
        for (SeedRuns r : runs) {
            out.printf(Locale.ROOT, name + " %15s %15s %15s %26s %3d/%d%n", r.experiment(), data ? r.data() : "",
                    r.teacher().percent(), r.alone().percent(), r.distilled().percent(), r.difference().difference(),
                    r.learned().size(), r.runs().size());
        }
        failures.forEach((n, why) -> out.printf(Locale.ROOT, "%-24s failed: %s%n", n, why.lines().findFirst().orElse("")));
        out.println("accuracy in percent, mean ± std over the seeds that learned; DELTA: distilled - alone, paired by seed");
    }
}
