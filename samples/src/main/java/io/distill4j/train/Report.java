package io.distill4j.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The run's outputs for people: the final table, the comparison across experiments, the chart. */
public final class Report {
    private Report() {}

    /** Teacher, student alone and student distilled: accuracy, wall time, and what the distillation changed. */
    public static void table(PrintWriter out, TrainJob.Outcome o) {
        out.printf(Locale.ROOT, "%n%s%n", o.experiment());
        out.printf(Locale.ROOT, "  %-18s %10s %12s%n", "MODEL", "TEST ACC", "WALL TIME");
        out.printf(Locale.ROOT, "  %-18s %9.2f%% %12s%n", "teacher", 100 * o.teacher().accuracy(),
                o.teacherCached() ? "(cached)" : String.format(Locale.ROOT, "%.1f s", o.teacher().seconds()));
        out.printf(Locale.ROOT, "  %-18s %9.2f%% %10.1f s%n", "student alone", 100 * o.alone().accuracy(), o.alone().seconds());
        out.printf(Locale.ROOT, "  %-18s %9.2f%% %10.1f s%n", "student distilled", 100 * o.distilled().accuracy(),
                o.distilled().seconds());
        out.printf(Locale.ROOT, "  distillation: %+.2f points of test accuracy (distilled - alone)%n",
                100 * (o.distilled().accuracy() - o.alone().accuracy()));
    }

    /** One line per experiment. */
    /** One row per experiment that ran, then one per experiment that failed, with the first line of why. */
    public static void comparison(PrintWriter out, List<TrainJob.Outcome> outcomes, Map<String, String> failures) {
        out.printf(Locale.ROOT, "%n%-24s %9s %9s %10s %8s %10s%n", "EXPERIMENT", "TEACHER", "ALONE", "DISTILLED", "DELTA",
                "TIME");
        for (TrainJob.Outcome o : outcomes) {
            out.printf(Locale.ROOT, "%-24s %8.2f%% %8.2f%% %9.2f%% %+7.2f %8.1f s%n", o.experiment(),
                    100 * o.teacher().accuracy(), 100 * o.alone().accuracy(), 100 * o.distilled().accuracy(),
                    100 * (o.distilled().accuracy() - o.alone().accuracy()), o.distilled().seconds());
        }
        failures.forEach((name, why) -> out.printf(Locale.ROOT, "%-24s failed: %s%n", name, why.lines().findFirst().orElse("")));
    }

    /** Loss terms (weighted, per epoch) and test accuracy per epoch, side by side, as a PNG. */
    public static Path chart(TrainJob.Outcome o) throws IOException {
        List<TrainJob.Epoch> epochs = o.distilled().epochs();
        XYChart losses = new XYChartBuilder().width(640).height(420).title(o.experiment() + ": loss terms (weighted)")
                .xAxisTitle("epoch").yAxisTitle("mean per step").build();
        losses.getStyler().setYAxisLogarithmic(true);
        add(losses, "task", epochs, TrainJob.Epoch::task);
        add(losses, "total", epochs, TrainJob.Epoch::total);
        Set<String> terms = new LinkedHashSet<>();
        epochs.forEach(e -> terms.addAll(e.terms().keySet()));
        for (String term : terms) {
            add(losses, term, epochs, e -> e.terms().getOrDefault(term, Double.NaN));
        }
        XYChart accuracy = new XYChartBuilder().width(640).height(420).title("test accuracy")
                .xAxisTitle("epoch").yAxisTitle("accuracy (%)").build();
        add(accuracy, "student distilled", epochs, e -> 100 * e.accuracy());
        add(accuracy, "student alone", o.alone().epochs(), e -> 100 * e.accuracy());
        if (!epochs.isEmpty()) {
            List<TrainJob.Epoch> span = List.of(epochs.get(0), epochs.get(epochs.size() - 1));
            add(accuracy, "teacher", span, e -> 100 * o.teacher().accuracy());
        }
        Path png = o.output().resolve("chart.png");
        List<Chart> charts = new ArrayList<>(List.of(losses, accuracy));
        BitmapEncoder.saveBitmap(charts, 1, 2, o.output().resolve("chart").toString(), BitmapEncoder.BitmapFormat.PNG);
        return png;
    }

    private static void add(XYChart chart, String name, List<TrainJob.Epoch> epochs, Function<TrainJob.Epoch, Double> y) {
        if (epochs.isEmpty()) {
            return;
        }
        double[] xs = epochs.stream().mapToDouble(TrainJob.Epoch::epoch).toArray();
        double[] ys = epochs.stream().mapToDouble(e -> Math.max(y.apply(e), 1e-12)).toArray();
        XYSeries s = chart.addSeries(name, xs, ys);
        s.setMarker(SeriesMarkers.CIRCLE);
    }
}
