package io.distill4j.cli.train;

import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One experiment run on several seeds: per seed the teacher, the student alone and the student
 * distilled, from the same seed (same data order and initialisation), so distilled - alone pairs by
 * seed. A seed whose runs did not learn is kept in the list and left out of every statistic.
 *
 * @param seeds the seed of each run, in the order of {@code runs}
 * @param evaluatedOn "test" or "validation": the split every accuracy here was measured on
 * @param data what the runs trained on, for tables ({@link TrainSettings#dataLabel()})
 */
public record SeedRuns(String experiment, List<Integer> seeds, List<TrainJob.Outcome> runs, Path output,
                       String evaluatedOn, String data) {
    public SeedRuns {
        if (seeds.size() != runs.size()) {
            throw new IllegalArgumentException(seeds.size() + " seeds for " + runs.size() + " runs");
        }
        seeds = List.copyOf(seeds);
        runs = List.copyOf(runs);
    }

    /** The runs that learned: the statistics are over these. */
    public List<TrainJob.Outcome> learned() {
        return runs.stream().filter(o -> o.stuck().isEmpty()).toList();
    }

    /** The first (or only) teacher's accuracy over the seeds. */
    public Spread teacher() {
        return over(o -> o.teacher().result().accuracy());
    }

    public Spread alone() {
        return over(o -> o.alone().accuracy());
    }

    public Spread distilled() {
        return over(o -> o.distilled().accuracy());
    }

    /** distilled - alone, paired by seed, with its 95% interval. */
    public Spread difference() {
        List<TrainJob.Outcome> used = learned();
        return Spread.paired(used.stream().mapToDouble(o -> o.distilled().accuracy()).toArray(),
                used.stream().mapToDouble(o -> o.alone().accuracy()).toArray());
    }

    private Spread over(ToDoubleFunction<TrainJob.Outcome> value) {
        return Spread.of(learned().stream().mapToDouble(value).toArray());
    }
}
