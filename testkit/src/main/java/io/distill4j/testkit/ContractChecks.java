package io.distill4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill4j.runtime.plugin.PluginRegistry;
import io.distill4j.spi.OptionSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The checks the loss and adapter contracts share. */
final class ContractChecks {
    private ContractChecks() {}

    /** {@code name} is among the {@code kind}s of {@code registered}, from a plugin that loaded without problems. */
    static <F> void registeredByALoadablePlugin(String kind, String name, Map<String, PluginRegistry.Entry<F>> registered,
                                                PluginRegistry registry) {
        PluginRegistry.Entry<F> entry = registered.get(name);
        assertNotNull(entry, "no " + kind + " named '" + name + "' on the class path; registered: "
                + registered.keySet() + "; load problems: " + registry.problems());
        String location = entry.plugin().location();
        assertTrue(registry.problems().stream().noneMatch(p -> p.location().equals(location)),
                () -> "load problems in " + location + ": " + registry.problems());
    }

    /** Every option has a doc line, and its default is a valid value of its own spec. */
    static void documentedWithValidDefaults(List<OptionSpec> options) {
        for (OptionSpec spec : options) {
            assertFalse(spec.doc().isBlank(), "option '" + spec.name() + "' has no doc line");
            assertEquals(Optional.empty(), spec.violation(spec.defaultValue()),
                    "default of option '" + spec.name() + "' violates its own range");
        }
    }
}
