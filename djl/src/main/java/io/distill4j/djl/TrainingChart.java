package io.distill4j.djl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** A run's epochs as a PNG: the loss and its weighted parts (log scale) beside the validation accuracy. */
public final class TrainingChart {
    private TrainingChart() {}

    /**
     * Writes the chart to {@code png}, atomically.
     *
     * @param series the name of this run's accuracy line
     * @param compared other runs whose accuracy per epoch is drawn beside this one's
     * @param references fixed accuracies drawn across the epochs (a teacher's)
     */
    public static void write(Path png, String title, String series, List<EpochSummary> epochs, Map<String, List<EpochSummary>> compared,
                             Map<String, Double> references) throws IOException {
        XYChart losses = new XYChartBuilder().width(640).height(420).title(title + ": loss terms (weighted)")
                .xAxisTitle("epoch").yAxisTitle("mean per step").build();
        losses.getStyler().setYAxisLogarithmic(true);
        Set<String> parts = new LinkedHashSet<>();
        epochs.forEach(e -> parts.addAll(e.parts().keySet()));
        add(losses, parts.isEmpty() ? "loss" : "total", epochs, EpochSummary::loss);
        for (String part : parts) {
            add(losses, part, epochs, e -> e.parts().getOrDefault(part, Double.NaN));
        }
        XYChart accuracy = new XYChartBuilder().width(640).height(420).title("validation accuracy")
                .xAxisTitle("epoch").yAxisTitle("accuracy (%)").build();
        add(accuracy, series, epochs, e -> 100 * e.accuracy());
        compared.forEach((name, other) -> add(accuracy, name, other, e -> 100 * e.accuracy()));
        if (!epochs.isEmpty()) {
            List<EpochSummary> span = List.of(epochs.get(0), epochs.get(epochs.size() - 1));
            references.forEach((name, value) -> add(accuracy, name, span, e -> 100 * value));
        }
        // BitmapEncoder adds the extension itself: it is given the temporary file's name without it.
        io.distill4j.runtime.OutputPaths.replace(png, ".png", tmp -> BitmapEncoder.saveBitmap(List.of(losses, accuracy), 1, 2,
                withoutPng(tmp), BitmapEncoder.BitmapFormat.PNG));
    }

    /** The path without its {@code .png}, as BitmapEncoder takes it. */
    public static String withoutPng(Path png) {
        String name = png.toString();
        return name.substring(0, name.length() - ".png".length());
    }

    private static void add(XYChart chart, String name, List<EpochSummary> epochs, ToDoubleFunction<EpochSummary> y) {
        // Points without a value (no validation data, a skipped term) are left out, not drawn as zero.
        List<EpochSummary> drawn = epochs.stream().filter(e -> Double.isFinite(y.applyAsDouble(e))).toList();
        if (drawn.isEmpty()) {
            return;
        }
        double[] xs = drawn.stream().mapToDouble(EpochSummary::epoch).toArray();
        double[] ys = drawn.stream().mapToDouble(e -> Math.max(y.applyAsDouble(e), 1e-12)).toArray();
        chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.CIRCLE);
    }
}
