package io.distill4j.spi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Describes one option of a loss or adapter: its name, type, default, allowed range and a doc line.
 *
 * <p>The runtime validates every configured value against its spec before any tensor is touched,
 * so a plugin receives only values that parse and lie in range. The default given here must agree
 * with the plugin's {@code reference.conf} (the conformance kit checks it).
 *
 * <p>Instances are immutable; build them with the static factories and refine them with the
 * {@code greaterThan}/{@code atLeast}/{@code atMost} methods, which return new specs.
 */
public final class OptionSpec {
    private final String name;
    private final OptionType type;
    private final Object defaultValue;
    private final String doc;
    private final List<String> choices;
    private final Double lower;
    private final boolean lowerInclusive;
    private final Double upper;

    private OptionSpec(String name, OptionType type, Object defaultValue, String doc, List<String> choices,
                       Double lower, boolean lowerInclusive, Double upper) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("option name must not be blank");
        }
        this.name = name;
        this.type = Objects.requireNonNull(type, "type");
        this.defaultValue = Objects.requireNonNull(defaultValue, "default of option " + name);
        this.doc = Objects.requireNonNull(doc, "doc of option " + name);
        this.choices = List.copyOf(choices);
        this.lower = lower;
        this.lowerInclusive = lowerInclusive;
        this.upper = upper;
    }

    /**
     * A floating-point option.
     *
     * @param name the option's name, as experiments write it
     * @param defaultValue the value when neither the experiment nor reference.conf sets one
     * @param doc one line of documentation, shown by distill plugins
     * @return a floating-point option
     */
    public static OptionSpec ofDouble(String name, double defaultValue, String doc) {
        return new OptionSpec(name, OptionType.DOUBLE, defaultValue, doc, List.of(), null, false, null);
    }

    /**
     * A whole-number option.
     *
     * @param name the option's name, as experiments write it
     * @param defaultValue the value when neither the experiment nor reference.conf sets one
     * @param doc one line of documentation, shown by distill plugins
     * @return a whole-number option
     */
    public static OptionSpec ofInt(String name, int defaultValue, String doc) {
        return new OptionSpec(name, OptionType.INT, defaultValue, doc, List.of(), null, false, null);
    }

    /**
     * A boolean option.
     *
     * @param name the option's name, as experiments write it
     * @param defaultValue the value when neither the experiment nor reference.conf sets one
     * @param doc one line of documentation, shown by distill plugins
     * @return a boolean option
     */
    public static OptionSpec ofBoolean(String name, boolean defaultValue, String doc) {
        return new OptionSpec(name, OptionType.BOOLEAN, defaultValue, doc, List.of(), null, false, null);
    }

    /**
     * A free-text option.
     *
     * @param name the option's name, as experiments write it
     * @param defaultValue the value when neither the experiment nor reference.conf sets one
     * @param doc one line of documentation, shown by distill plugins
     * @return a free-text option
     */
    public static OptionSpec ofString(String name, String defaultValue, String doc) {
        return new OptionSpec(name, OptionType.STRING, defaultValue, doc, List.of(), null, false, null);
    }

    /**
     * An option whose value is one of a fixed set of words.
     *
     * @param defaultValue one of {@code choices}
     * @param name the option's name, as experiments write it
     * @param doc one line of documentation, shown by distill plugins
     * @param choices the allowed values
     * @return an option whose value is one of a fixed set of words
     */
    public static OptionSpec ofChoice(String name, String defaultValue, String doc, String... choices) {
        List<String> list = List.of(choices);
        if (!list.contains(defaultValue)) {
            throw new IllegalArgumentException("default '" + defaultValue + "' of option " + name
                    + " is not one of " + list);
        }
        return new OptionSpec(name, OptionType.CHOICE, defaultValue, doc, list, null, false, null);
    }

    /**
     * This numeric option, restricted to values strictly greater than {@code bound}.
     *
     * @param bound the bound
     * @return this numeric option, restricted to values strictly greater than {@code bound}
     */
    public OptionSpec greaterThan(double bound) {
        return withLower(bound, false);
    }

    /**
     * This numeric option, restricted to values greater than or equal to {@code bound}.
     *
     * @param bound the bound
     * @return this numeric option, restricted to values greater than or equal to {@code bound}
     */
    public OptionSpec atLeast(double bound) {
        return withLower(bound, true);
    }

    /**
     * This numeric option, restricted to values less than or equal to {@code bound}.
     *
     * @param bound the bound
     * @return this numeric option, restricted to values less than or equal to {@code bound}
     */
    public OptionSpec atMost(double bound) {
        requireNumeric();
        OptionSpec s = new OptionSpec(name, type, defaultValue, doc, choices, lower, lowerInclusive, bound);
        s.requireDefaultValid();
        return s;
    }

    private OptionSpec withLower(double bound, boolean inclusive) {
        requireNumeric();
        OptionSpec s = new OptionSpec(name, type, defaultValue, doc, choices, bound, inclusive, upper);
        s.requireDefaultValid();
        return s;
    }

    private void requireNumeric() {
        if (type != OptionType.DOUBLE && type != OptionType.INT) {
            throw new IllegalStateException("option " + name + " is not numeric; it has no range");
        }
    }

    private void requireDefaultValid() {
        violation(defaultValue).ifPresent(v -> {
            throw new IllegalArgumentException("default of option " + name + " is invalid: " + v);
        });
    }

    /**
     * The option's key in the configuration, for example {@code temperature}.
     *
     * @return the option's key in the configuration, for example {@code temperature}
     */
    public String name() {
        return name;
    }

    /**
     * The option's value type.
     *
     * @return the option's value type
     */
    public OptionType type() {
        return type;
    }

    /**
     * The default: a {@code Double}, {@code Integer}, {@code Boolean} or {@code String} matching {@link #type()}.
     *
     * @return the default: a {@code Double}, {@code Integer}, {@code Boolean} or {@code String} matching {@link #type()}
     */
    public Object defaultValue() {
        return defaultValue;
    }

    /**
     * One line saying what the option does.
     *
     * @return one line saying what the option does
     */
    public String doc() {
        return doc;
    }

    /**
     * The allowed words of a {@link OptionType#CHOICE} option; empty for other types.
     *
     * @return the allowed words of a {@link OptionType#CHOICE} option; empty for other types
     */
    public List<String> choices() {
        return choices;
    }

    /**
     * The allowed values in words, for example {@code "> 0"}, {@code "[0, 1]"} or {@code "batchmean | mean"}; empty when any value of the type is allowed.
     *
     * @return the allowed values in words, for example {@code "> 0"}, {@code "[0, 1]"} or {@code "batchmean | mean"}; empty when any value of the type is allowed
     */
    public String allowedRange() {
        if (type == OptionType.CHOICE) {
            return String.join(" | ", choices);
        }
        if (lower != null && upper != null) {
            return (lowerInclusive ? "[" : "(") + fmt(lower) + ", " + fmt(upper) + "]";
        }
        if (lower != null) {
            return (lowerInclusive ? ">= " : "> ") + fmt(lower);
        }
        if (upper != null) {
            return "<= " + fmt(upper);
        }
        return "";
    }

    /**
     * Checks a value of this option's type against its range or choices.
     *
     * @param value a {@code Number}, {@code Boolean} or {@code String}
     * @return why the value is not allowed, or empty when it is
     */
    public Optional<String> violation(Object value) {
        if (type == OptionType.CHOICE) {
            return choices.contains(value) ? Optional.empty()
                    : Optional.of("must be one of " + String.join(" | ", choices) + ", got '" + value + "'");
        }
        if (value instanceof Number n) {
            double v = n.doubleValue();
            if (Double.isNaN(v)) {
                return Optional.of("must be a number, got NaN");
            }
            boolean belowLower = lower != null && (lowerInclusive ? v < lower : v <= lower);
            boolean aboveUpper = upper != null && v > upper;
            if (belowLower || aboveUpper) {
                return Optional.of("must be " + allowedRange() + ", got " + fmt(v));
            }
        }
        return Optional.empty();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    @Override
    public String toString() {
        String range = allowedRange();
        return name + " (" + type.name().toLowerCase(java.util.Locale.ROOT) + ", default " + defaultValue
                + (range.isEmpty() ? "" : ", " + range) + "): " + doc;
    }
}
