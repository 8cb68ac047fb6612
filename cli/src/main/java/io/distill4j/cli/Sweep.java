package io.distill4j.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.config.DidYouMean;
import io.distill4j.runtime.config.ExperimentException;
import io.distill4j.runtime.config.Origin;
import io.distill4j.runtime.config.Problem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * An experiment's {@code sweep { }} block: values per config path, and the points they make, each a
 * complete experiment validated like any file before anything trains. A path names keys and list
 * indices ({@code distill4j.pairs.0.losses.0.weight}); it must lead through what the file has (a
 * misspelt key or an index past a list's end is refused with a did-you-mean), and may end in a key the
 * file leaves at its default ({@code train.learning-rate}), which the settings' own validation judges.
 */
final class Sweep {
    /** Keys the sweep sets itself, or that make points incomparable. */
    private static final Set<String> RESERVED = Set.of("train.seed", "train.seeds", "train.data.validation", "train.output",
            "train.cache", "train.device");

    /** One swept path and its values, with where the file lists them. */
    record Axis(String path, List<String> segments, List<ConfigValue> values, Origin origin) {
        String shown(int i) {
            return values.get(i).render(ConfigRenderOptions.concise());
        }
    }

    /** One point of the sweep: its values' indices per axis, and the experiment they make. */
    record Point(int number, int[] choice, Experiment experiment) {
        String describe(List<Axis> axes) {
            List<String> parts = new ArrayList<>();
            for (int a = 0; a < axes.size(); a++) {
                parts.add(axes.get(a).path() + " = " + axes.get(a).shown(choice[a]));
            }
            return String.join(", ", parts);
        }
    }

    final List<Axis> axes;
    private final Config base;

    private Sweep(List<Axis> axes, Config base) {
        this.axes = axes;
        this.base = base;
    }

    /** Reads the {@code sweep} block of an experiment. */
    static Sweep of(Config experiment, String source) {
        List<Problem> problems = new ArrayList<>();
        if (!experiment.hasPath("sweep")) {
            throw new ExperimentException(List.of(Problem.at(source, "no sweep { } block: list values per config path, e.g."
                    + " sweep { \"distill4j.pairs.0.losses.0.weight\" = [0.5, 1, 2], \"train.learning-rate\" = [0.02, 0.05] }")));
        }
        ConfigValue block = experiment.getValue("sweep");
        if (block.valueType() != ConfigValueType.OBJECT) {
            throw new ExperimentException(List.of(new Problem(Origin.of(block.origin()), "sweep",
                    "'sweep' must be an object of path = [values], got " + block.valueType().name().toLowerCase(Locale.ROOT))));
        }
        Config sweep = experiment.getConfig("sweep");
        List<Axis> axes = new ArrayList<>();
        // Config.entrySet has no order: the axes come in the order of their lines in the file.
        List<Map.Entry<String, ConfigValue>> entries = new ArrayList<>(sweep.entrySet());
        entries.sort(java.util.Comparator.comparingInt((Map.Entry<String, ConfigValue> e) -> e.getValue().origin().lineNumber())
                .thenComparing(Map.Entry::getKey));
        Config base = experiment.withoutPath("sweep");
        for (Map.Entry<String, ConfigValue> e : entries) {
            List<String> segments = ConfigUtil.splitPath(e.getKey()).stream()
                    .flatMap(s -> Arrays.stream(s.split("\\.", -1))).toList();
            String path = String.join(".", segments);
            Origin at = Origin.of(e.getValue().origin());
            if (segments.stream().anyMatch(String::isEmpty)) {
                problems.add(new Problem(at, "sweep." + path, "sweep path '" + path + "' has an empty part"));
                continue;
            }
            if (RESERVED.contains(path)) {
                problems.add(new Problem(at, "sweep." + path, "sweep path '" + path + "' cannot be swept: the sweep sets"
                        + " seeds, the validation split and where runs write itself (see distill sweep --help)"));
                continue;
            }
            if (!(e.getValue() instanceof ConfigList values)) {
                problems.add(new Problem(at, "sweep." + path, "sweep path '" + path + "' must list its values, e.g. [0.5, 1, 2],"
                        + " got " + e.getValue().valueType().name().toLowerCase(Locale.ROOT) + " "
                        + e.getValue().render(ConfigRenderOptions.concise())));
                continue;
            }
            if (values.isEmpty()) {
                problems.add(new Problem(at, "sweep." + path, "sweep path '" + path + "' lists no values: give at least one"));
                continue;
            }
            leadsSomewhere(base.root(), segments, 0, "", at, problems);
            axes.add(new Axis(path, segments, List.copyOf(values), at));
        }
        if (entries.isEmpty()) {
            problems.add(new Problem(Origin.of(block.origin()), "sweep", "the sweep block is empty: list values per config path"));
        }
        if (!problems.isEmpty()) {
            throw new ExperimentException(problems);
        }
        return new Sweep(axes, base);
    }

    /** Points in the grid: the product of the value counts. */
    long gridSize() {
        return axes.stream().mapToLong(a -> a.values().size()).reduce(1, Math::multiplyExact);
    }

    /**
     * The points to run: the whole grid, or {@code draws} distinct points drawn from it at random
     * (seeded, so a sweep repeats), each validated as a complete experiment; every problem of every
     * point is reported at once, at the sweep's lines.
     */
    List<Point> points(Distill4j runtime, String name, String source, int draws, long drawSeed, double validation) {
        long grid = gridSize();
        List<Long> chosen = new ArrayList<>();
        if (draws <= 0 || draws >= grid) {
            for (long i = 0; i < grid; i++) {
                chosen.add(i);
            }
        } else {
            Random random = new Random(drawSeed);
            LinkedHashSet<Long> picked = new LinkedHashSet<>();
            while (picked.size() < draws) {
                picked.add((long) (random.nextDouble() * grid));
            }
            chosen.addAll(picked);
        }
        List<Point> points = new ArrayList<>();
        Set<String> problems = new LinkedHashSet<>();
        List<Problem> distinct = new ArrayList<>();
        for (long index : chosen) {
            int[] choice = new int[axes.size()];
            long rest = index;
            for (int a = axes.size() - 1; a >= 0; a--) {
                choice[a] = (int) (rest % axes.get(a).values().size());
                rest /= axes.get(a).values().size();
            }
            Config c = pointConfig(choice).withValue("train.data.validation",
                    ConfigValueFactory.fromAnyRef(validation, "the sweep's validation split"));
            List<Problem> found = new ArrayList<>();
            int number = points.size() + 1;
            Experiment.of(runtime, name + "-point-" + number, c, source, found).ifPresent(e -> points.add(new Point(number, choice, e)));
            for (Problem p : found) {
                if (problems.add(p.toString())) {
                    distinct.add(p);
                }
            }
        }
        if (!distinct.isEmpty()) {
            throw new ExperimentException(distinct);
        }
        return points;
    }

    /** The experiment with one point's values set (no sweep block), as {@code best.conf} holds it. */
    Config pointConfig(int[] choice) {
        ConfigObject root = base.root();
        for (int a = 0; a < axes.size(); a++) {
            Axis axis = axes.get(a);
            root = (ConfigObject) set(root, axis.segments(), 0, axis.values().get(choice[a]), axis.values().get(choice[a]).origin());
        }
        return root.toConfig();
    }

    /** Whether the path leads through the file's keys and lists; only its last key may be new (a default). */
    private static void leadsSomewhere(ConfigValue node, List<String> segments, int i, String walked, Origin at,
                                       List<Problem> problems) {
        if (i == segments.size()) {
            return;
        }
        String segment = segments.get(i);
        String here = walked.isEmpty() ? segment : walked + "." + segment;
        String full = String.join(".", segments);
        if (node instanceof ConfigObject object) {
            ConfigValue child = object.get(segment);
            if (child == null) {
                boolean last = i == segments.size() - 1;
                boolean nextIsIndex = !last && segments.get(i + 1).matches("\\d+");
                if (nextIsIndex || (!last && !isSettingsBlock(here))) {
                    problems.add(new Problem(at, "sweep." + full, "sweep path '" + full + "': "
                            + (walked.isEmpty() ? "the experiment" : "'" + walked + "'") + " has no '" + segment + "'"
                            + DidYouMean.hint(segment, object.keySet()) + " (it has: " + String.join(", ", new java.util.TreeSet<>(object.keySet())) + ")"));
                }
                return; // a new last key (or a settings block left at its defaults): validated with the point
            }
            leadsSomewhere(child, segments, i + 1, here, at, problems);
        } else if (node instanceof ConfigList list) {
            if (!segment.matches("\\d+") || Integer.parseInt(segment) >= list.size()) {
                problems.add(new Problem(at, "sweep." + full, "sweep path '" + full + "': '" + walked + "' is a list of "
                        + list.size() + " entries, indexed 0 to " + (list.size() - 1) + ", not '" + segment + "'"));
                return;
            }
            leadsSomewhere(list.get(Integer.parseInt(segment)), segments, i + 1, here, at, problems);
        } else {
            problems.add(new Problem(at, "sweep." + full, "sweep path '" + full + "': '" + walked + "' is a "
                    + node.valueType().name().toLowerCase(Locale.ROOT) + " (" + node.render(ConfigRenderOptions.concise())
                    + "), it has no '" + segment + "'"));
        }
    }

    /** Blocks of {@code train} that a file may leave out entirely and a sweep may still set keys in. */
    private static boolean isSettingsBlock(String path) {
        return Set.of("train", "train.data", "train.teacher", "train.student").contains(path)
                || path.matches("train\\.teachers\\.[^.]+");
    }

    /** {@code node} with the value at {@code segments[i..]} replaced; missing objects are made, at the sweep's line. */
    private static ConfigValue set(ConfigValue node, List<String> segments, int i, ConfigValue value, ConfigOrigin at) {
        if (i == segments.size()) {
            return value;
        }
        String segment = segments.get(i);
        if (node instanceof ConfigList list) {
            int index = Integer.parseInt(segment);
            List<ConfigValue> copy = new ArrayList<>(list);
            copy.set(index, set(list.get(index), segments, i + 1, value, at));
            return ConfigValueFactory.fromIterable(copy).withOrigin(list.origin());
        }
        ConfigObject object = node instanceof ConfigObject o ? o : ConfigValueFactory.fromMap(Map.of()).withOrigin(at);
        ConfigValue child = object.get(segment);
        ConfigValue empty = ConfigValueFactory.fromMap(new LinkedHashMap<String, Object>()).withOrigin(at);
        return object.withValue(segment, set(child == null ? empty : child, segments, i + 1, value, at));
    }
}
