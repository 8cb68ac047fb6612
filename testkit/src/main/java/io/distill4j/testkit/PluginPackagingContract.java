package io.distill4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import io.distill4j.runtime.plugin.LoadedPlugin;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.OptionType;
import io.distill4j.spi.SpiVersion;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * How a plugin jar must be packaged: a descriptor with a compatible SPI version, its factories
 * listed in {@code META-INF/services} (AutoService writes these), and a {@code reference.conf}
 * whose defaults are exactly the options its factories declare. Implement once per plugin.
 */
public interface PluginPackagingContract {
    /** Any class of the plugin under test (not of its tests), to locate its jar or classes folder. */
    Class<?> anyPluginClass();

    /** The plugin loads from the class path, with a compatible SPI version and at least one factory. */
    @Test
    default void loadsWithADescriptorAndProviders() {
        LoadedPlugin p = ClassPathPlugins.pluginOf(anyPluginClass());
        assertTrue(SpiVersion.current().canHost(p.descriptor().spiVersion()),
                "built against SPI " + p.descriptor().spiVersion() + ", host provides " + SpiVersion.current());
        assertFalse(p.descriptor().name().isBlank(), "descriptor has no name");
        assertFalse(p.losses().isEmpty() && p.adapters().isEmpty(), "the plugin provides nothing");
    }

    /** {@code reference.conf} holds a default for exactly the declared options, equal to the spec's. */
    @Test
    default void referenceConfMatchesTheDeclaredOptions() {
        LoadedPlugin p = ClassPathPlugins.pluginOf(anyPluginClass());
        for (DistillLossFactory f : p.losses()) {
            checkDefaults(p.reference(), "distill4j.losses." + ConfigUtil.joinPath(f.name()), f.options());
        }
        for (FeatureAdapterFactory f : p.adapters()) {
            checkDefaults(p.reference(), "distill4j.adapters." + ConfigUtil.joinPath(f.name()), f.options());
        }
    }

    private static void checkDefaults(Config reference, String path, List<OptionSpec> specs) {
        if (specs.isEmpty()) {
            // Nothing to configure: reference.conf may omit the block, but must not invent options.
            assertTrue(!reference.hasPath(path) || reference.getConfig(path).root().isEmpty(),
                    () -> "reference.conf " + path + " sets options the factory does not declare: " + reference.getConfig(path).root().keySet());
            return;
        }
        assertTrue(reference.hasPath(path), "reference.conf has no block " + path);
        Config block = reference.getConfig(path);
        Set<String> declared = specs.stream().map(OptionSpec::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(declared, new TreeSet<>(block.root().keySet()),
                "reference.conf " + path + " must hold exactly the declared options");
        for (OptionSpec spec : specs) {
            String key = ConfigUtil.joinPath(spec.name());
            Object value = switch (spec.type()) {
                case DOUBLE -> block.getDouble(key);
                case INT -> block.getInt(key);
                case BOOLEAN -> block.getBoolean(key);
                case STRING, CHOICE -> block.getString(key);
            };
            Object expected = spec.type() == OptionType.DOUBLE
                    ? ((Number) spec.defaultValue()).doubleValue() : spec.defaultValue();
            assertEquals(expected, value, path + "." + spec.name() + " differs from the spec's default");
        }
    }
}
