package io.distill4j.runtime.schedule;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import io.distill4j.runtime.config.DidYouMean;
import io.distill4j.runtime.config.OptionsResolver;
import io.distill4j.runtime.config.Origin;
import io.distill4j.runtime.config.Problem;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.Options;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The weight schedules a term can carry, read from a {@code schedule { type = ..., ... }} block:
 *
 * <table>
 *   <caption>schedules ({@code x} is the epoch from 1, or the step + 1 with {@code unit = step})</caption>
 *   <tr><th>type</th><th>options</th><th>factor</th></tr>
 *   <tr><td>constant</td><td></td><td>1</td></tr>
 *   <tr><td>linear-warmup</td><td>length</td><td>{@code min(x / length, 1)} (DKD's warmup)</td></tr>
 *   <tr><td>cosine</td><td>length, final</td><td>{@code final + (1 - final) * (1 + cos(pi * min((x - 1) / length, 1))) / 2}</td></tr>
 *   <tr><td>step</td><td>every, gamma</td><td>{@code gamma ^ floor((x - 1) / every)}</td></tr>
 *   <tr><td>stop-after</td><td>length</td><td>1 while {@code x <= length}, then 0</td></tr>
 * </table>
 * Every type takes {@code unit = epoch | step} (default {@code epoch}).
 */
public final class Schedules {
    private static final OptionSpec UNIT = OptionSpec.ofChoice("unit", "epoch",
            "count progress in epochs (from 1) or in steps (step + 1)", "epoch", "step");
    private static final OptionSpec LENGTH = OptionSpec.ofInt("length", 1, "epochs or steps the schedule spans").atLeast(1);

    private record Kind(List<OptionSpec> options, Function<Options, Curve> curve) {}

    /** A factor as a function of progress {@code x >= 1}. */
    private interface Curve {
        double at(double x);
    }

    private static final Map<String, Kind> KINDS = Map.of(
            "constant", new Kind(List.of(UNIT), o -> x -> 1.0),
            "linear-warmup", new Kind(List.of(UNIT, LENGTH), o -> {
                int length = o.getInt("length");
                return x -> Math.min(x / length, 1.0);
            }),
            "cosine", new Kind(List.of(UNIT, LENGTH,
                    OptionSpec.ofDouble("final", 0.0, "the factor at the end").atLeast(0)), o -> {
                int length = o.getInt("length");
                double end = o.getDouble("final");
                return x -> end + (1 - end) * 0.5 * (1 + Math.cos(Math.PI * Math.min((x - 1) / length, 1.0)));
            }),
            "step", new Kind(List.of(UNIT,
                    OptionSpec.ofInt("every", 1, "epochs or steps between decays").atLeast(1),
                    OptionSpec.ofDouble("gamma", 0.1, "the factor of each decay").atLeast(0)), o -> {
                int every = o.getInt("every");
                double gamma = o.getDouble("gamma");
                return x -> Math.pow(gamma, Math.floor((x - 1) / every));
            }),
            "stop-after", new Kind(List.of(UNIT, LENGTH), o -> {
                int length = o.getInt("length");
                return x -> x <= length ? 1.0 : 0.0;
            }));

    private Schedules() {}

    /** The names of the schedule types. */
    public static Set<String> types() {
        return KINDS.keySet();
    }

    /**
     * Reads a term's {@code schedule} block.
     *
     * @param schedule the block
     * @param owner for messages, for example {@code "the schedule of term 'dkd' in pair 'logits'"}
     * @param problems where problems are added
     * @return the schedule; empty when any problem was found (each added to {@code problems})
     */
    public static java.util.Optional<WeightSchedule> parse(Config schedule, String owner, List<Problem> problems) {
        Origin origin = Origin.of(schedule.origin());
        if (!schedule.hasPath("type") || schedule.getValue("type").valueType() != ConfigValueType.STRING) {
            problems.add(new Problem(origin, owner + " needs a 'type' (one of "
                    + String.join(", ", KINDS.keySet().stream().sorted().toList()) + ")"));
            return java.util.Optional.empty();
        }
        String type = schedule.getString("type");
        Kind kind = KINDS.get(type);
        if (kind == null) {
            problems.add(new Problem(Origin.of(schedule.getValue("type").origin()), "unknown schedule type '"
                    + type + "' in " + owner + DidYouMean.hint(type, KINDS.keySet()) + " (known: "
                    + String.join(", ", KINDS.keySet().stream().sorted().toList()) + ")"));
            return java.util.Optional.empty();
        }
        java.util.Optional<Options> resolved = OptionsResolver.resolve("schedule '" + type + "'", kind.options(), schedule,
                Set.of("type"), com.typesafe.config.ConfigFactory.empty(), problems);
        if (resolved.isEmpty()) {
            return java.util.Optional.empty();
        }
        Options o = resolved.get();
        if (!schedule.hasPath("length") && kind.options().contains(LENGTH)) {
            problems.add(new Problem(origin, "schedule '" + type + "' in " + owner + " needs a 'length'"));
            return java.util.Optional.empty();
        }
        Curve curve = kind.curve().apply(o);
        boolean steps = o.getString("unit").equals("step");
        String text = type + " " + o.keys().stream().filter(k -> !k.equals("unit"))
                .map(k -> k + "=" + o.getString(k)).reduce((a, b) -> a + ", " + b).orElse("")
                + " per " + o.getString("unit");
        return java.util.Optional.of(new WeightSchedule() {
            @Override
            public double factor(long step, int epoch) {
                return curve.at(steps ? step + 1.0 : epoch);
            }

            @Override
            public String toString() {
                return text.trim().toLowerCase(Locale.ROOT);
            }
        });
    }
}
