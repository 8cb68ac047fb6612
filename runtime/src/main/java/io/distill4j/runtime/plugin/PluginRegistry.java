package io.distill4j.runtime.plugin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.OptionSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Every loss and adapter factory by name, with the plugin that provides it.
 *
 * <p>Names are unique: when two plugins register the same name, the first loaded (class path before
 * the plugins directory, then in name order) keeps it and the second is refused with a problem
 * naming both jars.
 */
public final class PluginRegistry {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");

    /**
     * A factory and the plugin it came from.
     *
     * @param factory the factory
     * @param plugin its plugin
     */
    public record Entry<F>(F factory, LoadedPlugin plugin) {}

    private final Map<String, Entry<DistillLossFactory>> losses = new TreeMap<>();
    private final Map<String, Entry<FeatureAdapterFactory>> adapters = new TreeMap<>();
    private final List<LoadedPlugin> plugins;
    private final List<PluginLoadException> problems;
    private final Config reference;

    private PluginRegistry(PluginSet set) {
        this.plugins = set.plugins();
        List<PluginLoadException> found = new ArrayList<>(set.problems());
        Config ref = ConfigFactory.empty();
        for (LoadedPlugin p : plugins) {
            for (DistillLossFactory f : p.losses()) {
                describe(f, p, "loss", found).ifPresent(d -> register(losses, d.name(), d.options(), f, p, "loss", found));
            }
            for (FeatureAdapterFactory f : p.adapters()) {
                describe(f, p, "adapter", found).ifPresent(d -> register(adapters, d.name(), d.options(), f, p, "adapter", found));
            }
            ref = ref.withFallback(p.reference());
        }
        this.reference = ref;
        this.problems = List.copyOf(found);
    }

    /** The registry of everything a {@link PluginLoader} found. */
    public static PluginRegistry of(PluginSet set) {
        return new PluginRegistry(set);
    }

    private record Described(String name, List<OptionSpec> options) {}

    /**
     * The factory's name and options, asked once under the plugin's context loader: a factory whose
     * {@code name()} or {@code options()} throws is one problem naming its jar, and the others still load.
     */
    private static java.util.Optional<Described> describe(Object factory, LoadedPlugin plugin, String kind,
                                                          List<PluginLoadException> problems) {
        String step = "name()";
        try {
            String name = ContextClassLoader.call(factory, () -> factory instanceof DistillLossFactory l ? l.name()
                    : ((FeatureAdapterFactory) factory).name());
            step = "options()";
            List<OptionSpec> options = ContextClassLoader.call(factory, () -> factory instanceof DistillLossFactory l
                    ? l.options() : ((FeatureAdapterFactory) factory).options());
            if (options == null) {
                throw new IllegalStateException("returned null");
            }
            return java.util.Optional.of(new Described(name, List.copyOf(options)));
        } catch (RuntimeException | LinkageError e) {
            problems.add(new PluginLoadException(plugin.location(), kind + " factory " + factory.getClass().getName()
                    + ": " + step + " failed (" + PluginLoader.describe(e) + "); refused"));
            return java.util.Optional.empty();
        }
    }

    private static <F> void register(Map<String, Entry<F>> into, String name, List<OptionSpec> options, F factory,
                                     LoadedPlugin plugin, String kind, List<PluginLoadException> problems) {
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add(new PluginLoadException(plugin.location(), kind + " factory "
                    + factory.getClass().getName() + " has an invalid name '" + name
                    + "' (lower-case letters, digits and dashes, starting with a letter); refused"));
            return;
        }
        Set<String> seen = new HashSet<>();
        for (OptionSpec o : options) {
            if (!seen.add(o.name())) {
                problems.add(new PluginLoadException(plugin.location(), kind + " '" + name
                        + "' declares option '" + o.name() + "' twice; refused"));
                return;
            }
        }
        Entry<F> first = into.get(name);
        if (first != null) {
            problems.add(new PluginLoadException(plugin.location(), "a " + kind + " named '" + name
                    + "' is already provided by " + first.plugin().location() + "; the one in "
                    + plugin.location() + " is ignored (two plugins may not share a name)"));
            return;
        }
        into.put(name, new Entry<>(factory, plugin));
    }

    /** Loss factories by name, sorted. */
    public Map<String, Entry<DistillLossFactory>> losses() {
        return Collections.unmodifiableMap(losses);
    }

    /** Adapter factories by name, sorted. */
    public Map<String, Entry<FeatureAdapterFactory>> adapters() {
        return Collections.unmodifiableMap(adapters);
    }

    /** Loss factories by name, for Guice. */
    public Map<String, DistillLossFactory> lossFactories() {
        Map<String, DistillLossFactory> m = new LinkedHashMap<>();
        losses.forEach((k, v) -> m.put(k, v.factory()));
        return m;
    }

    /** Adapter factories by name, for Guice. */
    public Map<String, FeatureAdapterFactory> adapterFactories() {
        Map<String, FeatureAdapterFactory> m = new LinkedHashMap<>();
        adapters.forEach((k, v) -> m.put(k, v.factory()));
        return m;
    }

    /** The plugins that loaded. */
    public List<LoadedPlugin> plugins() {
        return plugins;
    }

    /** Everything that did not load, each naming its jar. */
    public List<PluginLoadException> problems() {
        return problems;
    }

    /** Every plugin's {@code reference.conf}, merged: the option defaults. */
    public Config reference() {
        return reference;
    }
}
