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
}
