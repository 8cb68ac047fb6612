package io.distill4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distill4j.runtime.config.ExperimentException;
import io.distill4j.runtime.config.Origin;
import io.distill4j.runtime.config.Problem;
import io.distill4j.runtime.plugin.PluginLoadException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One root, a kind that says whose fault it is, and problems that keep their place. */
class Distill4jExceptionTest {
    @Test
    void everyFamilyIsBadInputWithItsProblems() {
        List<Distill4jException> all = List.of(new InvalidInputException("x.npz: no such file"),
                new BatchException("pair 'p': no student tensor 's'"), new NonFiniteLossException("pair 'p', term 'kd': NaN"),
                new PluginLoadException("plugins/a.jar", "corrupt jar"),
                new ExperimentException(List.of(new Problem(new Origin("e.conf", 3, null), "distill4j.pairs", "empty"))));
        for (Distill4jException e : all) {
            assertEquals(Distill4jException.Kind.BAD_INPUT, e.kind(), e.getClass().getSimpleName());
            assertEquals(1, e.problems().size(), e.getClass().getSimpleName());
            assertEquals(e.problems().get(0).toString(), e.getMessage(), "the message is the problem, rendered");
        }
        assertEquals("plugins/a.jar: corrupt jar", all.get(3).getMessage());
        assertEquals(Origin.named("plugins/a.jar"), all.get(3).problems().get(0).origin(), "the jar is the problem's place");
        assertEquals("e.conf:3: empty", all.get(4).getMessage());
        assertEquals("x.npz: no such file", all.get(0).getMessage(), "a message that names its place is kept as it is");
    }

    @Test
    void severalProblemsAreListedAndNoneIsRefused() {
        Distill4jException e = new ExperimentException(List.of(new Problem(new Origin("e.conf", 1, null), "a"),
                new Problem(new Origin("e.conf", 2, null), "b")));
        assertEquals("2 problems:\n  e.conf:1: a\n  e.conf:2: b", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ExperimentException(List.of()));
        assertEquals(Distill4jException.Kind.INTERNAL,
                new Distill4jException(Distill4jException.Kind.INTERNAL, "checkpoint writer lost its folder").kind());
    }
}
