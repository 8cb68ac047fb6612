package io.distill4j.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.TestPlugins;
import io.distill4j.runtime.plan.DistillPlan;
import io.distill4j.runtime.plan.TermPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentLoaderTest {
    @TempDir
    Path dir;

    private final ExperimentLoader loader = Distill4j.start(TestPlugins.registry()).experiments();

    private Path write(String... lines) throws IOException {
        return Files.writeString(dir.resolve("exp.conf"), String.join("\n", lines) + "\n");
    }

    private List<Problem> problems(Path file) {
        return assertThrows(ExperimentException.class, () -> loader.load(file)).problems();
    }

    private static void assertProblem(Problem p, String origin, String... fragments) {
        assertTrue(p.origin().toString().endsWith(origin), () -> "origin " + p.origin() + " should end with " + origin);
        for (String f : fragments) {
            assertTrue(p.message().contains(f), () -> "'" + p.message() + "' should contain '" + f + "'");
        }
    }

    @Test
    void resolvesOptionsOverReferenceDefaults() throws IOException {
        Path f = write("distill4j {",
                "  task-loss-weight = 0.5",
                "  pairs = [ { name = logits, student = out, teacher = t-out,",
                "              losses = [ { type = sq, weight = 0.9, temperature = 2 } ] } ]",
                "}");
        DistillPlan plan = loader.load(f);
        assertEquals(0.5, plan.taskLossWeight());
        TermPlan term = plan.pairs().get(0).terms().get(0);
        assertEquals("sq", term.name());
        assertEquals(0.9, term.weight());
        assertEquals(2.0, term.options().getDouble("temperature"));
        assertEquals(f + ":4", term.options().origin("temperature"));
        assertEquals(1.0, term.options().getDouble("scale"), "default from reference.conf");
        assertEquals("t-out", plan.pairs().get(0).teacher());
    }

    @Test
    void unknownLossTypeSuggestsTheClosestName() throws IOException {
        Path f = write("distill4j.pairs = [ { name = a, student = x,", "  losses = [ { type = sqq } ] } ]");
        List<Problem> ps = problems(f);
        assertEquals(1, ps.size());
        assertProblem(ps.get(0), "exp.conf:2", "unknown loss type 'sqq'", "did you mean 'sq'?", "known losses: faulty, lin, log, sq, tgt");
    }

    @Test
    void unknownAdapterTypeSuggestsTheClosestName() throws IOException {
        Path f = write("distill4j.pairs = [ { name = a, student = x,", "  adapters = [ { type = halv } ]",
                "  losses = [ { type = sq } ] } ]");
        assertProblem(problems(f).get(0), "exp.conf:2", "unknown adapter type 'halv'", "did you mean 'halve'?");
    }

    @Test
    void unknownOptionKeySuggestsTheClosestKey() throws IOException {
        Path f = write("distill4j.pairs = [ { name = a, student = x, losses = [", "  { type = sq, temprature = 2 } ] } ]");
        assertProblem(problems(f).get(0), "exp.conf:2", "unknown option 'temprature' for loss 'sq'",
                "did you mean 'temperature'?");
    }

    @Test
    void wrongValueTypesNameFileAndLine() throws IOException {
        Path f = write("distill4j.pairs = [ { name = a, student = x, losses = [ { type = sq,",
                "  temperature = warm",
                "  heads = 1.5",
                "  reduction = median } ] } ]");
        List<Problem> ps = problems(f);
        assertEquals(3, ps.size(), ps.toString());
        assertProblem(ps.get(0), "exp.conf:2", "option 'temperature' of loss 'sq' must be a number", "warm");
        assertProblem(ps.get(1), "exp.conf:3", "option 'heads' of loss 'sq' must be a whole number", "1.5");
        assertProblem(ps.get(2), "exp.conf:4", "option 'reduction' of loss 'sq' must be one of mean | sum", "median");
    }

    @Test
    void outOfRangeValuesAreRefused() throws IOException {
        Path f = write("distill4j.pairs = [ { name = a, student = x, losses = [", "  { type = sq, temperature = 0 }",
                "  { type = sq, name = b, temperature = -1, heads = 0 } ] } ]");
        List<Problem> ps = problems(f);
        assertEquals(3, ps.size(), ps.toString());
        assertProblem(ps.get(0), "exp.conf:2", "option 'temperature' of loss 'sq' must be > 0, got 0");
        assertProblem(ps.get(1), "exp.conf:3", "must be > 0, got -1");
        assertProblem(ps.get(2), "exp.conf:3", "option 'heads' of loss 'sq' must be >= 1, got 0");
    }

    @Test
    void allProblemsAreReportedAtOnce() throws IOException {
        Path f = write("distill4j {",
                "  task-loss-wieght = 1",
                "  pairs = [",
                "    { name = a, student = x, losses = [ { type = nope } ] }",
                "    { name = a, student = y, losses = [ { type = sq, weight = -2 } ] }",
                "    { name = c, student = z, losses = [] }",
                "    { name = d, losses = [ { type = sq } ] }",
                "  ]",
                "}");
        List<Problem> ps = problems(f);
        assertEquals(6, ps.size(), ps.toString());
        assertProblem(ps.get(0), "exp.conf:2", "unknown key 'task-loss-wieght'", "did you mean 'task-loss-weight'?");
        assertProblem(ps.get(1), "exp.conf:4", "unknown loss type 'nope'");
        assertProblem(ps.get(2), "exp.conf:5", "pair name 'a' is used twice", "exp.conf:4");
        assertProblem(ps.get(3), "exp.conf:5", "'weight' must be a finite number >= 0");
        assertProblem(ps.get(4), "exp.conf:6", "pair 'c' has an empty 'losses' list");
        assertProblem(ps.get(5), "exp.conf:7", "missing 'student'");
        String message = assertThrows(ExperimentException.class, () -> loader.load(f)).getMessage();
        assertTrue(message.startsWith("6 problems:"), message);
    }

    @Test
    void twoTermsOfOneTypeNeedDistinctNames() throws IOException {
        Path f = write("distill4j.pairs = [ { name = a, student = x, losses = [", "  { type = sq }", "  { type = sq } ] } ]");
        assertProblem(problems(f).get(0), "exp.conf:3", "two terms named 'sq'", "give each a distinct 'name'");
    }

    @Test
    void malformedHoconNamesFileAndLine() throws IOException {
        Path f = write("distill4j {", "  pairs = [ { name = a", "}");
        List<Problem> ps = problems(f);
        assertEquals(1, ps.size());
        assertTrue(ps.get(0).origin().toString().startsWith(f.toString() + ":"), ps.get(0).toString());
    }

    @Test
    void missingFileAndMissingBlockAreClear() throws IOException {
        assertProblem(problems(dir.resolve("absent.conf")).get(0), "absent.conf", "no such experiment file");
        assertProblem(problems(write("something = else")).get(0), "exp.conf", "no 'distill4j { pairs = [...] }' block");
    }
}
