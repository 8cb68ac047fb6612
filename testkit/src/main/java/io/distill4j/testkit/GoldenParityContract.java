package io.distill4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.BatchFile;
import io.distill4j.runtime.DistillBatch;
import io.distill4j.runtime.DistillResult;
import io.distill4j.runtime.Distiller;
import io.distill4j.runtime.NpzFiles;
import io.distill4j.runtime.plan.DistillPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Parity with a reference implementation on committed golden files: one test per case.
 *
 * <p>A case is a pair of files under {@link #goldenRoot()} on the test class path.
 * {@code NAME.conf} holds either one term, {@code type = <loss>}, {@code options { ... }} and
 * optionally {@code adapters = [ {type = ...}, ... ]}, run as a pair named {@code golden}; or a whole
 * {@code experiment { distill4j { ... } }}. Optionally {@code tolerance { rtol = ..., atol = ... }},
 * {@code epoch = N}. {@code NAME.npz} holds the inputs in the key convention of {@code distill eval}
 * ({@code student.<x>}, {@code teacher.<x>}, {@code targets}, {@code mask.<pair>}, ...), the weights
 * of every trainable part as {@code param.<pair>.<part>.<parameter>} (see
 * {@code DistillationParts.namedParameters()}), and the reference outputs: {@code expected.loss}
 * (the single term, raw) or {@code expected.total}, {@code expected.grad.student} (one student tensor)
 * or {@code expected.grad.student.<x>}, and {@code expected.grad.param.<name>} for every parameter.
 *
 * <p>Each case runs end to end through the runtime (plan, adapters, Distiller, backward) and must
 * match elementwise within {@code |actual - expected| <= atol + rtol * |expected|}. The defaults,
 * {@link #DEFAULT_RTOL} and {@link #DEFAULT_ATOL}, are fp32 parity; a case may state its own.
 * Every case's max abs/rel differences are appended to {@code target/golden-parity.tsv}.
 */
public interface GoldenParityContract {
    /** Relative tolerance unless a case says otherwise: fp32 parity, about 1e-5. */
    double DEFAULT_RTOL = 1e-5;
    /** Absolute tolerance unless a case says otherwise, for elements near zero. */
    double DEFAULT_ATOL = 1e-7;

    /** The folder of the cases on the test class path. */
    default String goldenRoot() {
        return "golden";
    }

    /** One dynamic test per case found under {@link #goldenRoot()}. */
    @TestFactory
    default Stream<DynamicTest> goldenCases() {
        List<Path> cases = cases(goldenRoot());
        assertFalse(cases.isEmpty(), "no golden cases (*.conf) under " + goldenRoot() + " on the test class path");
        return cases.stream().map(conf -> DynamicTest.dynamicTest(
                conf.getParent().getFileName() + "/" + conf.getFileName().toString().replace(".conf", ""),
                conf.toUri(), () -> runCase(conf)));
    }

    private static List<Path> cases(String root) {
        URL url = Thread.currentThread().getContextClassLoader().getResource(root);
        if (url == null) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(Path.of(url.toURI()))) {
            return s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void runCase(Path conf) throws IOException {
        Config c = ConfigFactory.parseFile(conf.toFile());
        Path npz = Path.of(conf.toString().replace(".conf", ".npz"));
        double rtol = c.hasPath("tolerance.rtol") ? c.getDouble("tolerance.rtol") : DEFAULT_RTOL;
        double atol = c.hasPath("tolerance.atol") ? c.getDouble("tolerance.atol") : DEFAULT_ATOL;
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = NpzFiles.read(npz, m);
            // The same key convention as distill eval: one reader for both.
            BatchFile batch = BatchFile.of(npz.toString(), arrays, note -> { });
            Map<String, NDArray> students = batch.student();
            Map<String, NDArray> teachers = batch.teacher();
            DistillPlan plan = Distill4j.start(ClassPathPlugins.registry()).experiments()
                    .parse(experiment(c, students, teachers, npz), conf.toString());

            Distiller d = Distiller.create(plan, batch.studentShapes(), batch.teacherShapes());
            d.initialize(m, DataType.FLOAT32);
            loadParameters(batch, d, npz);
            Map<String, Parameter> params = d.trainableParts().namedParameters();

            DistillBatch.Builder b = batch.toBatch(m).epoch(c.hasPath("epoch") ? c.getInt("epoch") : 1);
            DistillResult r;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                r = d.compute(b.build());
                gc.backward(r.total());
            }

            Diff loss = arrays.containsKey("expected.loss")
                    ? Diff.of(r.terms().get(0).raw(), arrays.get("expected.loss"), rtol, atol)
                    : Diff.of(r.total(), required(arrays, "expected.total", npz), rtol, atol);
            Diff grad = Diff.NONE;
            for (Map.Entry<String, NDArray> s : students.entrySet()) {
                String key = students.size() == 1 && arrays.containsKey("expected.grad.student")
                        ? "expected.grad.student" : "expected.grad.student." + s.getKey();
                grad = grad.worst(Diff.of(s.getValue().getGradient(), required(arrays, key, npz), rtol, atol).named(key));
            }
            Diff paramGrad = Diff.NONE;
            for (Map.Entry<String, Parameter> p : params.entrySet()) {
                if (p.getValue().requiresGradient()) {
                    String key = "expected.grad.param." + p.getKey();
                    paramGrad = paramGrad.worst(Diff.of(p.getValue().getArray().getGradient(), required(arrays, key, npz),
                            rtol, atol).named(key));
                }
            }
            report(conf, loss, grad, paramGrad);
            final Diff g = grad;
            final Diff pg = paramGrad;
            assertTrue(loss.within, () -> "loss differs from the reference: " + loss);
            assertTrue(g.within, () -> "student gradient differs from the reference: " + g);
            assertTrue(pg.within, () -> "parameter gradient differs from the reference: " + pg);
        }
    }

    /** The case's experiment: a whole one, or one pair 'golden' around the case's term. */
    private static Config experiment(Config c, Map<String, NDArray> students, Map<String, NDArray> teachers, Path npz) {
        if (c.hasPath("experiment")) {
            return c.getConfig("experiment");
        }
        assertEquals(1, students.size(), npz + " must hold one student.* array for a single-term case");
        assertEquals(1, teachers.size(), npz + " must hold one teacher.* array for a single-term case");
        Config term = (c.hasPath("options") ? c.getConfig("options") : ConfigFactory.empty())
                .withValue("type", ConfigValueFactory.fromAnyRef(c.getString("type")));
        Config pair = ConfigFactory.empty()
                .withValue("name", ConfigValueFactory.fromAnyRef("golden"))
                .withValue("student", ConfigValueFactory.fromAnyRef(students.keySet().iterator().next()))
                .withValue("teacher", ConfigValueFactory.fromAnyRef(teachers.keySet().iterator().next()))
                .withValue("losses", ConfigValueFactory.fromIterable(List.of(term.root())));
        if (c.hasPath("adapters")) {
            pair = pair.withValue("adapters", c.getValue("adapters"));
        }
        return ConfigFactory.empty()
                .withValue("distill4j.task-loss-weight", ConfigValueFactory.fromAnyRef(0))
                .withValue("distill4j.pairs", ConfigValueFactory.fromIterable(List.of(pair.root())));
    }

    /** Loads every {@code param.<name>} of the case; every trainable parameter must be given. */
    private static void loadParameters(BatchFile batch, Distiller d, Path npz) {
        d.trainableParts().assign(batch.params(), npz.toString());
        for (Map.Entry<String, Parameter> p : d.trainableParts().namedParameters().entrySet()) {
            assertTrue(!p.getValue().requiresGradient() || batch.params().containsKey(p.getKey()),
                    () -> npz + " gives no weights for trainable parameter param." + p.getKey());
        }
    }

    private static NDArray required(Map<String, NDArray> arrays, String key, Path npz) {
        NDArray a = arrays.get(key);
        assertTrue(a != null, () -> npz + " has no '" + key + "'");
        return a;
    }

    /** One line per case: loss, student-gradient and parameter-gradient max abs/rel differences. */
    private static void report(Path conf, Diff loss, Diff grad, Diff paramGrad) throws IOException {
        Path file = Path.of("target", "golden-parity.tsv");
        Files.createDirectories(file.getParent());
        String line = String.format(Locale.ROOT, "%s/%s\t%.3e\t%.3e\t%.3e\t%.3e\t%s\t%s%n", conf.getParent().getFileName(),
                conf.getFileName().toString().replace(".conf", ""), loss.maxAbs, loss.maxRel, grad.maxAbs, grad.maxRel,
                paramGrad == Diff.NONE ? "-" : String.format(Locale.ROOT, "%.3e", paramGrad.maxAbs),
                paramGrad == Diff.NONE ? "-" : String.format(Locale.ROOT, "%.3e", paramGrad.maxRel));
        Files.writeString(file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Elementwise comparison of an actual array with the expected one. */
    final class Diff {
        /** No comparison made (no parameters, say). */
        static final Diff NONE = new Diff(0, 0, true, "nothing compared");

        final double maxAbs;
        final double maxRel;
        final boolean within;
        final String detail;

        private Diff(double maxAbs, double maxRel, boolean within, String detail) {
            this.maxAbs = maxAbs;
            this.maxRel = maxRel;
            this.within = within;
            this.detail = detail;
        }

        static Diff of(NDArray actual, NDArray expected, double rtol, double atol) {
            float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
            float[] e = expected.toType(DataType.FLOAT32, false).toFloatArray();
            if (a.length != e.length) {
                return new Diff(Double.NaN, Double.NaN, false, "shape " + actual.getShape() + " vs " + expected.getShape());
            }
            double maxAbs = 0;
            double maxRel = 0;
            int worst = -1;
            double worstExcess = 0;
            for (int i = 0; i < a.length; i++) {
                double d = Math.abs((double) a[i] - e[i]);
                if (Double.isNaN(d)) {
                    d = Double.POSITIVE_INFINITY;
                }
                maxAbs = Math.max(maxAbs, d);
                if (e[i] != 0) {
                    maxRel = Math.max(maxRel, d / Math.abs(e[i]));
                }
                double excess = d - (atol + rtol * Math.abs(e[i]));
                if (excess > worstExcess) {
                    worstExcess = excess;
                    worst = i;
                }
            }
            String detail = worst < 0 ? "" : String.format(Locale.ROOT, "; worst element %d: %s vs expected %s",
                    worst, a[worst], e[worst]);
            return new Diff(maxAbs, maxRel, worst < 0, String.format(Locale.ROOT,
                    "max abs %.3e, max rel %.3e (rtol %.1e, atol %.1e)%s", maxAbs, maxRel, rtol, atol, detail));
        }

        /** The same comparison, its message prefixed with what was compared. */
        Diff named(String what) {
            return new Diff(maxAbs, maxRel, within, what + ": " + detail);
        }

        /** The failing one of two comparisons, else the one with the larger relative difference; maxima combined. */
        Diff worst(Diff other) {
            Diff pick = !within ? this : !other.within ? other : (other.maxRel > maxRel ? other : this);
            return new Diff(Math.max(maxAbs, other.maxAbs), Math.max(maxRel, other.maxRel), within && other.within,
                    pick.detail);
        }

        @Override
        public String toString() {
            return detail;
        }
    }
}
