package io.distill4j.cli.train;

import io.distill4j.djl.EpochSummary;
import java.io.IOException;
import io.distill4j.djl.TrainingChart;
import io.distill4j.runtime.OutputPaths;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * An experiment over seeds as a PNG: per epoch, the mean accuracy of the student alone and distilled
 * with one standard deviation as error bars, and the teachers' mean as a line. Each seed's own chart
 * (losses and accuracy) is in its {@code seed-<n>/chart.png}.
 */
public final class SpreadChart {
    private SpreadChart() {}

    public static void write(Path png, SeedRuns runs) throws IOException {
        XYChart chart = new XYChartBuilder().width(760).height(460)
                .title(runs.experiment() + ": " + runs.learned().size() + " seeds, mean ± std")
                .xAxisTitle("epoch").yAxisTitle(runs.evaluatedOn() + " accuracy (%)").build();
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        add(chart, "student alone", runs, o -> o.alone().epochs());
        add(chart, "student distilled", runs, o -> o.distilled().epochs());
        Spread teacher = runs.teacher();
        int epochs = runs.learned().stream().mapToInt(o -> o.distilled().epochs().size()).min().orElse(0);
        if (epochs > 0 && Double.isFinite(teacher.mean())) {
            chart.addSeries("teacher (mean)", new double[] {1, epochs}, new double[] {100 * teacher.mean(), 100 * teacher.mean()})
                    .setMarker(SeriesMarkers.NONE);
        }
        OutputPaths.replace(png, ".png", tmp -> BitmapEncoder.saveBitmap(chart, TrainingChart.withoutPng(tmp),
                BitmapEncoder.BitmapFormat.PNG));
    }

    private static void add(XYChart chart, String name, SeedRuns runs, Function<TrainJob.Outcome, List<EpochSummary>> epochsOf) {
        List<List<EpochSummary>> all = runs.learned().stream().map(epochsOf).filter(e -> !e.isEmpty()).toList();
        int epochs = all.stream().mapToInt(List::size).min().orElse(0);
        if (epochs == 0) {
            return;
        }
        double[] xs = new double[epochs];
        double[] ys = new double[epochs];
        double[] bars = new double[epochs];
        for (int e = 0; e < epochs; e++) {
            int epoch = e;
            Spread s = Spread.of(all.stream().mapToDouble(l -> l.get(epoch).accuracy()).toArray());
            xs[e] = all.get(0).get(e).epoch();
            ys[e] = 100 * s.mean();
            bars[e] = Double.isFinite(s.std()) ? 100 * s.std() : 0;
        }
        chart.addSeries(name, xs, ys, bars).setMarker(SeriesMarkers.CIRCLE);
    }
}
