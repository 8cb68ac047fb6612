package io.distill4j.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.distill4j.runtime.plan.AdapterPlan;
import io.distill4j.runtime.plan.DistillPlan;
import io.distill4j.runtime.plan.NonFinitePolicy;
import io.distill4j.runtime.plan.PairPlan;
import io.distill4j.runtime.plan.TermPlan;
import io.distill4j.runtime.plugin.PluginRegistry;
import io.distill4j.runtime.schedule.Schedules;
import io.distill4j.runtime.schedule.WeightSchedule;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.Options;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an experiment file into a validated {@link DistillPlan}.
 *
 * <p>Every problem (unknown names and keys with a did-you-mean, wrong types, values out of range,
 * missing or duplicate entries) is collected with its {@code file:line} and thrown together as one
 * {@link ExperimentException}; a plan is only returned when nothing is wrong.
 */
public final class ExperimentLoader {
    /** The block of an experiment file this loader reads. */
    public static final String ROOT = "distill4j";
    private static final Set<String> ROOT_KEYS = Set.of("task-loss-weight", "seed", "non-finite", "pairs");
    private static final Set<String> PAIR_KEYS = Set.of("name", "student", "teacher", "adapters", "losses");
    private static final Set<String> TERM_RESERVED = Set.of("type", "weight", "name", "schedule");
    /**
     * The blocks an experiment file holds; {@code user} is the place for an application's own keys,
     * {@code sweep} lists values per path for {@code distill sweep} (a plain run ignores it).
     */
    private static final Set<String> TOP_LEVEL = Set.of(ROOT, "train", "user", "sweep");
    /** A weight above this overflows float32 losses long before it means anything. */
    private static final double MAX_WEIGHT = 1e6;
    /** Pair and term names: they make the output keys {@code <pair>.<term>}, so no dot, and never empty. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]*");
    private static final Set<String> ADAPTER_RESERVED = Set.of("type");

    private final Map<String, DistillLossFactory> losses;
    private final Map<String, FeatureAdapterFactory> adapters;
    private final Config reference;

    /**
     * @param losses loss factories by name
     * @param adapters adapter factories by name
     * @param registry the loaded plugins, whose {@code reference.conf} files give the defaults
     */
    @Inject
    public ExperimentLoader(Map<String, DistillLossFactory> losses, Map<String, FeatureAdapterFactory> adapters,
                            PluginRegistry registry) {
        this.losses = Map.copyOf(losses);
        this.adapters = Map.copyOf(adapters);
        this.reference = registry.reference();
    }

    /**
     * Reads and validates an experiment file.
     *
     * @throws ExperimentException with every problem found, each naming file and line
     */
    public DistillPlan load(Path file) {
        return parse(read(file), file.toString());
    }

    /**
     * Parses an experiment file (HOCON, substitutions resolved) without validating it, for
     * applications that read further blocks of it (the {@code train} block, say).
     *
     * @throws ExperimentException naming the file and line of a syntax error, or a missing file
     */
    public static Config read(Path file) {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new ExperimentException(List.of(Problem.at(name, "a folder, not an experiment file (name a .conf file in it)")));
        }
        if (!Files.isRegularFile(file)) {
            throw new ExperimentException(List.of(Problem.at(name, "no such experiment file")));
        }
        String text = ExperimentText.read(file);
        List<Problem> includes = ExperimentText.missingIncludes(file, text);
        if (!includes.isEmpty()) {
            throw new ExperimentException(includes);
        }
        Config config;
        try {
            config = ConfigFactory.parseFile(file.toFile(),
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false)).resolve();
        } catch (ConfigException e) {
            // Typesafe Config reports an unclosed '{' at the end of the file as a missing ')': say what is open.
            String unclosed = ExperimentText.unclosed(text);
            throw new ExperimentException(List.of(unclosed != null ? Problem.at(name + ":" + unclosed.split(":", 2)[0],
                    unclosed.split(":", 2)[1]) : new Problem(
                    e.origin() == null ? Origin.named(name) : Origin.of(e.origin()), stripOrigin(e))));
        }
        return config;
    }

    /**
     * Validates an already-parsed experiment (for tests and embedding applications).
     *
     * @param config a config with a {@code distill4j} block
     * @param source how to name it in messages
     * @throws ExperimentException with every problem found
     */
    public DistillPlan parse(Config config, String source) {
        List<Problem> problems = new ArrayList<>();
        if (!config.hasPath(ROOT) || config.getValue(ROOT).valueType() != ConfigValueType.OBJECT) {
            throw new ExperimentException(List.of(Problem.at(source,
                    "no '" + ROOT + " { pairs = [...] }' block; see samples/experiments/kd.conf for an example")));
        }
        Config root = config.getConfig(ROOT);
        // A misspelt block (trian { }) would be ignored: an experiment holds these blocks only.
        for (Map.Entry<String, ConfigValue> e : config.root().entrySet()) {
            if (!TOP_LEVEL.contains(e.getKey())) {
                problems.add(new Problem(Origin.of(e.getValue().origin()), e.getKey(), "unknown top-level key '" + e.getKey() + "'"
                        + DidYouMean.hint(e.getKey(), TOP_LEVEL) + " (an experiment holds " + ROOT + " { }, train { }, sweep { }"
                        + " and, for keys of your own, user { })"));
            }
        }
        unknownKeys(root, ROOT_KEYS, "the " + ROOT + " block", problems);
        double taskWeight = number(root, "task-loss-weight", 1.0, problems);
        long seed = root.hasPath("seed") ? whole(root, "seed", problems) : 0L;
        NonFinitePolicy nonFinite = NonFinitePolicy.FAIL;
        if (root.hasPath("non-finite")) {
            String v = text(root, "non-finite", null, Origin.of(root.origin()), problems);
            if (v != null) {
                try {
                    nonFinite = NonFinitePolicy.valueOf(v.toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    problems.add(new Problem(Origin.of(root.getValue("non-finite").origin()),
                            "'non-finite' must be fail or skip, got '" + v + "'"));
                }
            }
        }

        List<PairPlan> pairs = new ArrayList<>();
        if (!root.hasPath("pairs")) {
            problems.add(new Problem(Origin.of(root.origin()), "no 'pairs' list: nothing to distill"));
        } else {
            List<ConfigObject> entries = objects(root, "pairs", "pair", problems);
            if (entries != null && ((ConfigList) root.getValue("pairs")).isEmpty()) {
                problems.add(new Problem(Origin.of(root.getValue("pairs").origin()),
                        "'pairs' is empty: nothing to distill"));
            }
            Map<String, Origin> seenPairs = new HashMap<>();
            for (ConfigObject entry : entries == null ? List.<ConfigObject>of() : entries) {
                pair(entry.toConfig(), Origin.of(entry.origin()), seenPairs, problems).ifPresent(pairs::add);
            }
        }
        if (!problems.isEmpty()) {
            throw new ExperimentException(problems);
        }
        return new DistillPlan(source, taskWeight, seed, pairs, nonFinite);
    }

    private java.util.Optional<PairPlan> pair(Config c, Origin origin, Map<String, Origin> seen, List<Problem> problems) {
        int before = problems.size();
        unknownKeys(c, PAIR_KEYS, "a pair", problems);
        String name = text(c, "name", null, origin, problems);
        if (name != null && !NAME.matcher(name).matches()) {
            problems.add(new Problem(origin, "name", "pair name '" + name + "': use letters, digits, '_' and '-' (no dots:"
                    + " the terms' output keys are <pair>.<term>)"));
            name = null;
        }
        if (name != null) {
            Origin first = seen.putIfAbsent(name, origin);
            if (first != null) {
                problems.add(new Problem(origin, "pair name '" + name + "' is used twice (first at " + first + ")"));
            }
        }
        String label = "pair '" + (name == null ? "?" : name) + "'";
        String student = text(c, "student", null, origin, problems);
        // The teacher's feature defaults to the student's name; no second problem when both are missing.
        String teacher = c.hasPath("teacher") ? text(c, "teacher", null, origin, problems) : student;
        for (String[] side : new String[][] {{"student", student}, {"teacher", teacher}}) {
            if (side[1] != null && side[1].isBlank()) {
                problems.add(new Problem(origin, side[0], label + ": '" + side[0] + "' names no tensor (it is empty)"));
            }
        }

        List<AdapterPlan> adapterPlans = new ArrayList<>();
        if (c.hasPath("adapters")) {
            List<ConfigObject> list = objects(c, "adapters", "adapter", problems);
            for (ConfigObject o : list == null ? List.<ConfigObject>of() : list) {
                adapter(o.toConfig(), Origin.of(o.origin()), label, problems)
                        .ifPresent(adapterPlans::add);
            }
        }
        List<TermPlan> terms = new ArrayList<>();
        if (!c.hasPath("losses")) {
            problems.add(new Problem(origin, label + " has no 'losses' list: it would compute nothing"));
        } else {
            List<ConfigObject> list = objects(c, "losses", "loss", problems);
            if (list != null && ((ConfigList) c.getValue("losses")).isEmpty()) {
                problems.add(new Problem(Origin.of(c.getValue("losses").origin()),
                        label + " has an empty 'losses' list: it would compute nothing"));
            }
            Map<String, Origin> seenTerms = new HashMap<>();
            for (ConfigObject o : list == null ? List.<ConfigObject>of() : list) {
                term(o.toConfig(), Origin.of(o.origin()), label, seenTerms, problems).ifPresent(terms::add);
            }
        }
        return problems.size() > before ? java.util.Optional.empty()
                : java.util.Optional.of(new PairPlan(name, student, teacher, adapterPlans, terms, origin));
    }

    private java.util.Optional<AdapterPlan> adapter(Config c, Origin origin, String label, List<Problem> problems) {
        String type = text(c, "type", null, origin, problems);
        if (type == null) {
            return java.util.Optional.empty();
        }
        FeatureAdapterFactory f = adapters.get(type);
        if (f == null) {
            problems.add(new Problem(Origin.of(c.getValue("type").origin()), "unknown adapter type '" + type
                    + "' in " + label + DidYouMean.hint(type, adapters.keySet()) + " (known adapters: "
                    + known(adapters.keySet()) + ")"));
            return java.util.Optional.empty();
        }
        return OptionsResolver.resolve("adapter '" + type + "'", f.options(), c, ADAPTER_RESERVED,
                defaults("adapters", type), problems).map(options -> new AdapterPlan(type, f, options, origin));
    }

    private java.util.Optional<TermPlan> term(Config c, Origin origin, String label, Map<String, Origin> seen,
                                             List<Problem> problems) {
        int before = problems.size();
        String type = text(c, "type", null, origin, problems);
        double weight = number(c, "weight", 1.0, problems);
        if (weight > MAX_WEIGHT) {
            problems.add(new Problem(Origin.of(c.getValue("weight").origin()), "weight", label + ": 'weight' = " + weight
                    + " is out of range (at most " + MAX_WEIGHT + "); larger weights overflow float32 losses"));
        }
        if (type == null) {
            return java.util.Optional.empty();
        }
        String name = text(c, "name", type, origin, problems);
        if (name != null && !NAME.matcher(name).matches()) {
            problems.add(new Problem(origin, "name", label + ": term name '" + name + "': use letters, digits, '_' and '-'"
                    + " (no dots: the output keys are <pair>.<term>)"));
        }
        if (name != null) {
            Origin first = seen.putIfAbsent(name, origin);
            if (first != null) {
                problems.add(new Problem(origin, label + " has two terms named '" + name + "' (first at " + first
                        + "); give each a distinct 'name'"));
            }
        }
        DistillLossFactory f = losses.get(type);
        if (f == null) {
            problems.add(new Problem(Origin.of(c.getValue("type").origin()), "unknown loss type '" + type
                    + "' in " + label + DidYouMean.hint(type, losses.keySet()) + " (known losses: "
                    + known(losses.keySet()) + ")"));
            return java.util.Optional.empty();
        }
        java.util.Optional<Options> options = OptionsResolver.resolve("loss '" + type + "'", f.options(), c, TERM_RESERVED,
                defaults("losses", type), problems);
        java.util.Optional<WeightSchedule> schedule = java.util.Optional.of(WeightSchedule.CONSTANT);
        if (c.hasPath("schedule")) {
            ConfigValue v = c.getValue("schedule");
            if (v.valueType() != ConfigValueType.OBJECT) {
                problems.add(new Problem(Origin.of(v.origin()), "'schedule' must be an object { type = ..., ... }"));
            } else {
                schedule = Schedules.parse(c.getConfig("schedule"), "term '" + name + "' of " + label, problems);
            }
        }
        if (options.isEmpty() || schedule.isEmpty() || problems.size() > before) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new TermPlan(name, type, f, weight, schedule.get(), options.get(), origin));
    }

    private Config defaults(String kind, String type) {
        String path = ROOT + "." + kind + "." + ConfigUtil.joinPath(type);
        return reference.hasPath(path) ? reference.getConfig(path) : ConfigFactory.empty();
    }

    // ---- small typed readers that record problems instead of throwing ----------------------

    private static void unknownKeys(Config c, Set<String> known, String where, List<Problem> problems) {
        for (Map.Entry<String, ConfigValue> e : c.root().entrySet()) {
            if (!known.contains(e.getKey())) {
                problems.add(new Problem(Origin.of(e.getValue().origin()), "unknown key '" + e.getKey()
                        + "' in " + where + DidYouMean.hint(e.getKey(), known) + " (known: "
                        + known(known) + ")"));
            }
        }
    }

    private static String text(Config c, String key, String fallback, Origin origin, List<Problem> problems) {
        if (!c.hasPath(key)) {
            if (fallback == null) {
                problems.add(new Problem(origin, "missing '" + key + "'"));
            }
            return fallback;
        }
        ConfigValue v = c.getValue(key);
        if (v.valueType() != ConfigValueType.STRING) {
            problems.add(new Problem(Origin.of(v.origin()), "'" + key + "' must be text, got " + v.render(com.typesafe.config.ConfigRenderOptions.concise())));
            return null;
        }
        return (String) v.unwrapped();
    }

    private static double number(Config c, String key, double fallback, List<Problem> problems) {
        if (!c.hasPath(key)) {
            return fallback;
        }
        ConfigValue v = c.getValue(key);
        try {
            double d = c.getDouble(key);
            if (!(d >= 0) || Double.isInfinite(d)) {
                problems.add(new Problem(Origin.of(v.origin()), "'" + key + "' must be a finite number >= 0, got " + v.render(com.typesafe.config.ConfigRenderOptions.concise())));
            }
            return d;
        } catch (ConfigException.WrongType e) {
            problems.add(new Problem(Origin.of(v.origin()), "'" + key + "' must be a number, got " + v.render(com.typesafe.config.ConfigRenderOptions.concise())));
            return fallback;
        }
    }

    private static long whole(Config c, String key, List<Problem> problems) {
        ConfigValue v = c.getValue(key);
        try {
            return c.getLong(key);
        } catch (ConfigException.WrongType e) {
            problems.add(new Problem(Origin.of(v.origin()), "'" + key + "' must be a whole number, got " + v.render(com.typesafe.config.ConfigRenderOptions.concise())));
            return 0L;
        }
    }

    private static List<ConfigObject> objects(Config c, String key, String what, List<Problem> problems) {
        ConfigValue v = c.getValue(key);
        if (v.valueType() != ConfigValueType.LIST) {
            problems.add(new Problem(Origin.of(v.origin()), "'" + key + "' must be a list of " + what
                    + " objects [ {...}, ... ], got " + v.valueType().name().toLowerCase(java.util.Locale.ROOT)));
            return null;
        }
        List<ConfigObject> out = new ArrayList<>();
        for (ConfigValue item : (ConfigList) v) {
            if (item.valueType() != ConfigValueType.OBJECT) {
                problems.add(new Problem(Origin.of(item.origin()), "each entry of '" + key + "' must be a "
                        + what + " object { ... }, got " + item.render(com.typesafe.config.ConfigRenderOptions.concise())));
            } else {
                out.add((ConfigObject) item);
            }
        }
        return out;
    }

    private static String known(Set<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names.stream().sorted().toList());
    }

    /** Typesafe Config prefixes messages with the origin; ours carry it separately. */
    private static String stripOrigin(ConfigException e) {
        String m = e.getMessage();
        if (e.origin() != null) {
            String prefix = e.origin().description() + ": ";
            if (m.startsWith(prefix)) {
                return m.substring(prefix.length());
            }
        }
        return m;
    }
}
