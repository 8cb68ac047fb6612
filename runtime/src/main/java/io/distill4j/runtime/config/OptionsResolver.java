package io.distill4j.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.Options;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one configured loss or adapter entry into validated {@link Options}: unknown keys refused
 * (with a did-you-mean), each declared option read with its type from the entry, then the plugin's
 * {@code reference.conf}, then the spec's default, and checked against its range.
 */
public final class OptionsResolver {
    private OptionsResolver() {}

    /**
     * @param owner for messages, for example {@code "loss 'kd'"}
     * @param specs the factory's declared options
     * @param entry the experiment's entry for this loss or adapter
     * @param reserved keys of the entry that are not options ({@code type}, {@code weight}, ...)
     * @param defaults the plugin's defaults for this name (from {@code reference.conf}); may be empty
     * @param problems where problems are added
     * @return the options; empty when any problem was found (each added to {@code problems})
     */
    public static java.util.Optional<Options> resolve(String owner, List<OptionSpec> specs, Config entry, Set<String> reserved,
                                  Config defaults, List<Problem> problems) {
        return resolve(owner, null, specs, entry, reserved, defaults, problems);
    }

    /**
     * As {@link #resolve(String, List, Config, Set, Config, List)}, for a block at config path
     * {@code path} (for example {@code train.data}): each problem carries its setting's full path.
     */
    public static java.util.Optional<Options> resolve(String owner, String path, List<OptionSpec> specs, Config entry, Set<String> reserved,
                                  Config defaults, List<Problem> problems) {
        int before = problems.size();
        Map<String, OptionSpec> byName = new LinkedHashMap<>();
        specs.forEach(s -> byName.put(s.name(), s));

        for (Map.Entry<String, ConfigValue> e : entry.root().entrySet()) {
            String key = e.getKey();
            if (!reserved.contains(key) && !byName.containsKey(key)) {
                problems.add(new Problem(Origin.of(e.getValue().origin()), at(path, key), "unknown option '" + key + "' for "
                        + owner + DidYouMean.hint(key, byName.keySet())
                        + (byName.isEmpty() ? " (it takes no options)" : " (known: " + String.join(", ", byName.keySet()) + ")")));
            }
        }

        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        for (OptionSpec spec : specs) {
            String key = spec.name();
            Config source = entry.hasPath(quoted(key)) ? entry : defaults.hasPath(quoted(key)) ? defaults : null;
            if (source == null) {
                values.put(key, spec.defaultValue());
                origins.put(key, "default of " + owner);
                continue;
            }
            Origin origin = Origin.of(source.getValue(quoted(key)).origin());
            try {
                Object value = read(source, quoted(key), spec);
                // Infinity, NaN, 1e400 or 1e300 are no setting of a float32 computation, whatever the range allows.
                if (value instanceof Double d && !(Math.abs(d) <= Float.MAX_VALUE)) {
                    problems.add(new Problem(origin, at(path, key), "option '" + key + "' of " + owner + " must be a finite"
                            + " number within float32's range (about 3.4e38), got " + d));
                    continue;
                }
                spec.violation(value).ifPresentOrElse(
                        v -> problems.add(new Problem(origin, at(path, key), "option '" + key + "' of " + owner + " " + v)),
                        () -> {
                            values.put(key, value);
                            origins.put(key, origin.toString());
                        });
            } catch (ConfigException.WrongType | ConfigException.BadValue e) {
                problems.add(new Problem(origin, at(path, key), "option '" + key + "' of " + owner + " must be "
                        + typeWords(spec) + ", got " + source.getValue(quoted(key)).render(com.typesafe.config.ConfigRenderOptions.concise())));
            }
        }
        return problems.size() > before ? java.util.Optional.empty()
                : java.util.Optional.of(new ResolvedOptions(owner, values, origins));
    }

    private static Object read(Config c, String path, OptionSpec spec) {
        return switch (spec.type()) {
            case DOUBLE -> c.getDouble(path);
            case INT -> wholeNumber(c, path);
            case BOOLEAN -> c.getBoolean(path);
            case STRING, CHOICE -> c.getString(path);
        };
    }

    /** Typesafe's getInt truncates 1.5 to 1 silently; a whole-number option refuses it. */
    private static int wholeNumber(Config c, String path) {
        Number n = c.getNumber(path);
        double d = n.doubleValue();
        if (d != Math.rint(d) || d > Integer.MAX_VALUE || d < Integer.MIN_VALUE) {
            throw new ConfigException.WrongType(c.getValue(path).origin(), path, "whole number", "NUMBER " + n);
        }
        return n.intValue();
    }

    private static String typeWords(OptionSpec spec) {
        return switch (spec.type()) {
            case DOUBLE -> "a number";
            case INT -> "a whole number";
            case BOOLEAN -> "true or false";
            case STRING -> "text";
            case CHOICE -> "one of " + String.join(" | ", spec.choices());
        };
    }

    /** A key as one path element, even when it holds dots. */
    static String quoted(String key) {
        return ConfigUtil.joinPath(key);
    }

    private static String at(String path, String key) {
        return path == null ? null : path + "." + key;
    }
}
