package io.distill4j.cli.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Experiments over seeds as one Markdown table in the style of mdistiller's: a column per dataset,
 * rows for the teacher, the student alone and each method; a method's cell is its distilled accuracy
 * (mean ± std) and the paired difference to the student alone with its 95% interval.
 */
public final class ResultsTable {
    private ResultsTable() {}

    public static String markdown(List<SeedRuns> runs, String command, double minutes) {
        Map<String, List<SeedRuns>> byData = new LinkedHashMap<>();
        List<String> methods = new ArrayList<>();
        for (SeedRuns r : runs) {
            byData.computeIfAbsent(r.data(), k -> new ArrayList<>()).add(r);
            if (!methods.contains(r.experiment())) {
                methods.add(r.experiment());
            }
        }
        List<String> columns = new ArrayList<>(byData.keySet());
        StringBuilder b = new StringBuilder();
        b.append("| model |");
        columns.forEach(c -> b.append(' ').append(c).append(" |"));
        b.append("\n|---|");
        columns.forEach(c -> b.append("---|"));
        b.append('\n');
        row(b, "teacher", columns, c -> first(byData.get(c)).teacher().percent() + seeds(first(byData.get(c))));
        row(b, "student alone", columns, c -> first(byData.get(c)).alone().percent() + seeds(first(byData.get(c))));
        for (String method : methods) {
            row(b, method, columns, c -> byData.get(c).stream().filter(r -> r.experiment().equals(method)).findFirst()
                    .map(r -> cell(r, first(byData.get(c)))).orElse("-"));
        }
        b.append(String.format(Locale.ROOT, "%nTest accuracy (%%), mean ± std over the seeds; a method's cell: the distilled student,"
                + " then distilled - alone paired by seed with its 95%% confidence interval (Student's t). **Bold**: the"
                + " interval lies above zero. Reproduce: `%s` (%.0f min on this machine).%n", command, minutes));
        return b.toString();
    }

    private static SeedRuns first(List<SeedRuns> column) {
        return column.get(0);
    }

    private static String seeds(SeedRuns r) {
        return " (n=" + r.learned().size() + ")";
    }

    private static String cell(SeedRuns r, SeedRuns reference) {
        Spread d = r.difference();
        String delta = d.aboveZero() ? "**" + d.difference() + "**" : d.difference();
        String text = r.distilled().percent() + "<br>" + delta;
        boolean ownAlone = !r.alone().percent().equals(reference.alone().percent());
        if (ownAlone) {
            // This experiment's student alone has other settings (e.g. its own learning rate): say what it is compared to.
            text += "<br>(vs alone " + r.alone().percent() + ")";
        }
        if (r.learned().size() < r.runs().size()) {
            text += "<br>" + (r.runs().size() - r.learned().size()) + " seed(s) did not learn";
        }
        return text;
    }

    private static void row(StringBuilder b, String name, List<String> columns, java.util.function.Function<String, String> cell) {
        b.append("| ").append(name).append(" |");
        columns.forEach(c -> b.append(' ').append(cell.apply(c)).append(" |"));
        b.append('\n');
    }
}
