package io.distill4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --seeds and distill sweep on tiny settings: the statistics, the files, and every bad input refused before training. */
class SeedsAndSweepTest {
    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    private static CliRun distill(String... args) {
        return CliRun.of(shared.resolve("no-plugins"), args);
    }

    /** The shipped KD experiment on tiny settings, then {@code extra} lines (line 3 onwards). */
    private Path kd(String extra) throws IOException {
        return Files.writeString(tmp.resolve("kd.conf"), "include \"" + TrainCommandTest.EXPERIMENTS.resolve("kd.conf") + "\"\n"
                + "train { epochs = 2, batch-size = 32, schedule = constant, data { train-size = 320, test-size = 128 }, teacher.epochs = 1,"
                + " output = \""
                + tmp.resolve("runs") + "\", cache = \"" + shared.resolve("cache") + "\" }\n" + extra);
    }

    private static final Pattern SEED_LINE = Pattern.compile(
            "seed (\\d+) +teacher +([\\d.]+)% +alone +([\\d.]+)% +distilled +([\\d.]+)% +(\\S+)");

    @Test
    void seedsRunEachSeedAndReportMeanSpreadAndThePairedInterval() throws IOException {
        CliRun r = distill("train", kd("").toString(), "--seeds", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("kd (3 seeds: 0, 1, 2; test accuracy)"), r.out());
        Matcher m = SEED_LINE.matcher(r.out());
        List<double[]> learned = new ArrayList<>();
        List<Double> teachers = new ArrayList<>();
        while (m.find()) {
            teachers.add(Double.parseDouble(m.group(2)));
            if (!m.group(5).equals("no-learn,")) {
                learned.add(new double[] {Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4))});
            }
        }
        assertEquals(3, teachers.size(), r.out());
        assertTrue(teachers.stream().distinct().count() > 1, "each seed trains its own teacher: " + teachers);
        assertTrue(learned.size() >= 2, "at least two seeds learned on these settings: " + r.out());
        double alone = learned.stream().mapToDouble(a -> a[0]).average().orElseThrow();
        double distilled = learned.stream().mapToDouble(a -> a[1]).average().orElseThrow();
        assertTrue(r.out().matches("(?s).*student alone +" + Pattern.quote(String.format(Locale.ROOT, "%.2f", alone)) + " ± .*"),
                "the mean of the seeds' alone accuracies, " + alone + ": " + r.out());
        assertTrue(r.out().matches("(?s).*student distilled +" + Pattern.quote(String.format(Locale.ROOT, "%.2f", distilled))
                + " ± .*"), "the mean of the seeds' distilled accuracies, " + distilled + ": " + r.out());
        assertTrue(r.out().matches("(?s).*distillation: [+-][\\d.]+ points, 95% CI \\[[+-][\\d.]+, [+-][\\d.]+\\] \\(paired over "
                + learned.size() + " seeds\\).*"), r.out());
        Path run = tmp.resolve("runs/kd");
        assertTrue(Files.size(run.resolve("chart.png")) > 1000, "the spread chart");
        for (int seed = 0; seed < 3; seed++) {
            assertTrue(Files.isRegularFile(run.resolve("seed-" + seed + "/checkpoints/epoch-002/student.params")), "seed " + seed);
            assertTrue(Files.isRegularFile(run.resolve("seed-" + seed + "/chart.png")));
        }
    }

    @Test
    void trainSeedsInTheFileDoesTheSameAndZeroSeedsAreRefused() throws IOException {
        Path conf = kd("train.seeds = 2\n");
        CliRun r = distill("train", conf.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("kd (2 seeds: 0, 1; test accuracy)"), r.out());

        for (String bad : List.of("0", "-3")) {
            CliRun refused = distill("train", conf.toString(), "--seeds", bad);
            assertEquals(DistillCli.BAD_INPUT, refused.code(), refused.err());
            assertTrue(refused.err().contains("--seeds " + bad + ": give at least 1"), refused.err());
        }
        Files.writeString(conf, Files.readString(conf).replace("train.seeds = 2", "train.seeds = 0"));
        CliRun inFile = distill("train", conf.toString());
        assertEquals(DistillCli.BAD_INPUT, inFile.code(), inFile.err());
        assertTrue(inFile.err().contains(conf + ":3") && inFile.err().contains("seeds"), inFile.err());
    }

    /** A sweep block at lines 3 onwards; refused before anything trains: no run folder appears. */
    private void refused(String sweep, String... expected) throws IOException {
        Path conf = kd(sweep);
        CliRun r = distill("sweep", conf.toString());
        assertEquals(DistillCli.BAD_INPUT, r.code(), r.out() + r.err());
        for (String e : expected) {
            assertTrue(r.err().contains(e.replace("FILE", conf.toString())), "expected '" + e + "' in: " + r.err());
        }
        assertFalse(r.err().contains("internal error") || r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(tmp.resolve("runs")), "nothing trained or written: " + r.err());
    }

    @Test
    void badSweepsAreRefusedAtTheirLineBeforeAnythingTrains() throws IOException {
        refused("sweep {\n  \"distill4j.pair.0.losses.0.weight\" = [1, 2]\n}\n",
                "FILE:4", "'distill4j' has no 'pair'; did you mean 'pairs'?");
        refused("sweep {\n  \"distill4j.pairs.3.weight\" = [1, 2]\n}\n", "FILE:4", "'distill4j.pairs' is a list of 1 entries");
        refused("sweep {\n  \"distill4j.task-loss-weight.x\" = [1]\n}\n", "FILE:4", "is a number (1), it has no 'x'");
        refused("sweep {\n  \"train.learning-rat\" = [0.01]\n}\n", "FILE:4", "learning-rat", "did you mean 'learning-rate'");
        refused("sweep {\n  \"train.learning-rate\" = [0.01,\n fast]\n}\n", "FILE:5", "learning-rate");
        refused("sweep {\n  \"distill4j.pairs.0.losses.0.weight\" = []\n}\n", "FILE:4", "lists no values");
        refused("sweep {\n  \"distill4j.pairs.0.losses.0.weight\" = 2\n}\n", "FILE:4", "must list its values");
        refused("sweep {\n  \"train.seed\" = [1, 2]\n}\n", "FILE:4", "cannot be swept");
        refused("sweep { }\n", "FILE:3", "the sweep block is empty");
        refused("", "FILE", "no sweep { } block");
        refused("sweep {\n  \"distill4j.pairs.0.losses.0.weight\" = [0.1, 0.2, 0.5, 1, 2]\n"
                + "  \"distill4j.pairs.0.losses.0.temperature\" = [1, 2, 4, 8]\n}\n",
                "FILE:3", "the sweep has 20 points (5 x 4), over the limit of 16: pass --max-points 20");
        Path ok = kd("sweep {\n  \"distill4j.pairs.0.losses.0.weight\" = [1, 2]\n}\n");
        for (String[] args : List.of(new String[] {"--seeds", "0"}, new String[] {"--draws", "0"},
                new String[] {"--validation", "0.9"}, new String[] {"--max-points", "1"})) {
            List<String> all = new ArrayList<>(List.of("sweep", ok.toString()));
            all.addAll(List.of(args));
            CliRun r = distill(all.toArray(String[]::new));
            assertEquals(DistillCli.BAD_INPUT, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("error: "), r.err());
        }
        assertFalse(Files.exists(tmp.resolve("runs")));
    }

    @Test
    void aSweepRanksItsPointsOnValidationWritesTheBestAsAnExperimentAndTestsIt() throws IOException {
        Path conf = kd("sweep {\n  \"distill4j.pairs.0.losses.0.weight\" = [0.25, 4]\n  \"train.learning-rate\" = [0.05]\n}\n");
        CliRun r = distill("sweep", conf.toString(), "--seeds", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("2 point(s) x 2 seed(s), selected on validation accuracy (10% of the training data held out)"),
                r.out());
        assertTrue(r.err().contains("ran earlier in this command"), "the points share their student-alone runs: " + r.err());
        Path folder = tmp.resolve("runs/kd-sweep");
        String table = Files.readString(folder.resolve("sweep.txt"));
        Matcher rows = Pattern.compile("\\n(\\d)\\s+(\\d)\\s+(\\S+)\\s+0.05\\s+[\\d.]+(?: ± [\\d.]+)?\\s+([\\d.]+)(?: ± [\\d.]+)?\\s+\\S+.*\\s(\\d)/2(?=\\n)").matcher(table);
        List<Double> distilled = new ArrayList<>();
        List<String> weights = new ArrayList<>();
        List<Integer> learned = new ArrayList<>();
        while (rows.find()) {
            weights.add(rows.group(3));
            distilled.add(Double.parseDouble(rows.group(4)));
            learned.add(Integer.parseInt(rows.group(5)));
        }
        assertEquals(2, distilled.size(), table);
        assertTrue(learned.get(0) > learned.get(1) || learned.get(0).equals(learned.get(1)) && distilled.get(0) >= distilled.get(1),
                "ranked by seeds that learned, then mean distilled accuracy: " + table);
        assertTrue(table.contains("the chosen point on the test set") && table.contains("-best (2 seeds: 0, 1; test accuracy)"), table);

        Path best = folder.resolve("best.conf");
        String text = Files.readString(best);
        assertTrue(text.startsWith("# The best point of: distill sweep " + conf), text);
        assertTrue(text.contains("weight=" + weights.get(0)) && !text.contains("sweep {") && !text.contains("sweep="),
                "the best point's value, and no sweep block: " + text);
        assertFalse(text.contains("validation="), "the chosen experiment evaluates on the test set: " + text);
        CliRun check = distill("check", best.toString());
        assertEquals(0, check.code(), "best.conf is a complete experiment: " + check.err());
        assertTrue(Files.isRegularFile(folder.resolve("best/seed-1/checkpoints/epoch-002/student.params")));
        assertTrue(Files.isRegularFile(folder.resolve("point-2/seed-0/chart.png")));
    }
}
