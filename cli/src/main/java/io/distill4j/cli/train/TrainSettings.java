package io.distill4j.cli.train;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.distill4j.runtime.config.ExperimentException;
import io.distill4j.runtime.config.OptionsResolver;
import io.distill4j.runtime.config.Origin;
import io.distill4j.runtime.config.Problem;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.Options;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An experiment's {@code train { ... }} block: data, teacher, student and the schedule of the run.
 * Every key is optional (defaults below) and validated like loss options: unknown keys with a
 * did-you-mean, wrong types and values out of range, each with its {@code file:line}.
 */
public final class TrainSettings {
    static final List<OptionSpec> RUN = List.of(
            OptionSpec.ofInt("seed", 0, "seed of the data, the initialisation and the masks"),
            OptionSpec.ofInt("seeds", 1, "runs of teacher, alone and distilled, on seeds seed, seed+1, ...; over 1,"
                    + " the report gives mean, spread and the paired difference's 95% interval").atLeast(1).atMost(100),
            OptionSpec.ofInt("epochs", 8, "epochs of each student run (alone and distilled)").atLeast(1),
            OptionSpec.ofInt("batch-size", 64, "examples per step").atLeast(1),
            OptionSpec.ofDouble("learning-rate", 0.05, "SGD learning rate of the student (momentum 0.9)").greaterThan(0),
            OptionSpec.ofChoice("schedule", "cosine", "learning rate over the run: cosine decays it to 0 by the last step"
                    + " (the final model is the settled one, not one caught mid-oscillation); constant keeps it", "cosine",
                    "constant"),
            OptionSpec.ofDouble("clip-gradient", 0.0, "clip every gradient element to [-c, c]; 0 for none").atLeast(0),
            OptionSpec.ofChoice("device", "auto", "auto picks the GPU when the CUDA build and a GPU are present", "auto", "cpu", "gpu"),
            OptionSpec.ofString("output", "runs", "folder of the run's logs, chart, checkpoints"),
            OptionSpec.ofString("cache", "", "folder of trained teachers (default ~/.cache/distill4j/teachers)"),
            OptionSpec.ofString("teacher-outputs", "", "stored teacher outputs (distill teacher-outputs): the distilled run"
                    + " reads them instead of running the teachers"),
            OptionSpec.ofInt("chart-every", 15, "least seconds between two drawings of chart.png during the distilled"
                    + " run (each drawing takes CPU from the training); 0 draws it after every epoch; the last epoch's"
                    + " is always drawn").atLeast(0));
    /** Run settings that change how a run is watched or where it writes, never its numbers. */
    private static final Set<String> NOT_TRAINING = Set.of("output", "cache", "device", "seeds", "chart-every");
    static final List<OptionSpec> DATA = List.of(
            OptionSpec.ofChoice("source", "shapes",
                    "built-in shapes, or local MNIST IDX files, Fashion-MNIST (apt-get install dataset-fashion-mnist),"
                            + " CIFAR-10 binary batches, an image-folder tree, Parquet tables (train.parquet, test.parquet)",
                    "shapes", "mnist", "fashion-mnist", "cifar10", "folder", "parquet"),
            OptionSpec.ofInt("channels", 1, "channels of folder and Parquet images: 1 (grayscale) or 3 (RGB)").atLeast(1).atMost(3),
            OptionSpec.ofString("path", "", "folder of the local dataset (mnist, cifar10, folder, parquet: a local path or"
                    + " a Hadoop URI such as hdfs://...)"),
            OptionSpec.ofString("image-column", "image", "parquet: the image column (encoded image bytes, a struct with"
                    + " a 'bytes' field, or raw channel-major pixels)"),
            OptionSpec.ofString("label-column", "label", "parquet: the integer label column"),
            OptionSpec.ofInt("train-size", 6000, "training examples (shapes; a cap for local data)").atLeast(1),
            OptionSpec.ofInt("test-size", 2000, "test examples (shapes; a cap for local data)").atLeast(1),
            OptionSpec.ofInt("image-size", 28, "image side in pixels (shapes; folder images are resized to it; every Parquet"
                    + " image must have it)").atLeast(8),
            OptionSpec.ofDouble("validation", 0.0, "fraction of the training examples held out and evaluated on instead of"
                    + " the test set (distill sweep selects on it; 0: evaluate on the test set)").atLeast(0).atMost(0.5));
    static final List<OptionSpec> TEACHER = List.of(
            OptionSpec.ofChoice("arch", "resnet", "the teacher's architecture", "resnet", "cnn"),
            OptionSpec.ofInt("width", 16, "channels of the first stage (then x2, x4)").atLeast(1),
            OptionSpec.ofInt("epochs", 8, "epochs to train the teacher (once; then cached)").atLeast(1),
            OptionSpec.ofDouble("learning-rate", 0.05, "SGD learning rate of the teacher").greaterThan(0),
            OptionSpec.ofString("torchscript", "", "a trained TorchScript teacher instead (its forward returns outputs)"),
            OptionSpec.ofString("outputs", "logits,stage1,stage2,stage3",
                    "names of the TorchScript teacher's returned tensors, in order, logits first"));
    static final List<OptionSpec> STUDENT = List.of(
            OptionSpec.ofChoice("arch", "cnn", "the student's architecture", "resnet", "cnn"),
            OptionSpec.ofInt("width", 4, "channels of the first stage (then x2, x4)").atLeast(1));

    /** Raised whenever the zoo's architectures or training change, so that cached teachers are retrained. */
    static final int MODELS_VERSION = 5;

    final Options run;
    final Options data;
    /** The teachers by name, in the file's order; the single {@code train.teacher} is under "". */
    final Map<String, Options> teachers;
    final Options student;
    private TrainSettings(Options run, Options data, Map<String, Options> teachers, Options student) {
        this.run = run;
        this.data = data;
        this.teachers = teachers;
        this.student = student;
    }

    /** Reads the {@code train} block of an experiment (absent: all defaults). */
    public static TrainSettings of(Config experiment, String source) {
        List<Problem> problems = new ArrayList<>();
        Config block = object(experiment, "train", "train", problems) ? experiment.getConfig("train") : ConfigFactory.empty(source);
        java.util.Optional<Options> run = OptionsResolver.resolve("train", "train", RUN, block,
                Set.of("data", "teacher", "teachers", "student"), ConfigFactory.empty(), problems);
        for (String key : List.of("data", "teacher", "teachers", "student")) {
            object(block, key, "train." + key, problems);
        }
        java.util.Optional<Options> data = OptionsResolver.resolve("train.data", "train.data", DATA, sub(block, "data"),
                Set.of(), ConfigFactory.empty(), problems);
        Map<String, Options> teachers = teachers(block, problems);
        java.util.Optional<Options> student = OptionsResolver.resolve("train.student", "train.student", STUDENT,
                sub(block, "student"), Set.of(), ConfigFactory.empty(), problems);
        data.filter(d -> d.getInt("channels") == 2).ifPresent(d -> problems.add(new Problem(
                Origin.of(sub(block, "data").hasPath("channels") ? sub(block, "data").getValue("channels").origin() : block.origin()),
                "train.data.channels", "option 'channels' of train.data must be 1 (grayscale) or 3 (RGB), got 2")));
        data.filter(d -> !Set.of("shapes", "fashion-mnist").contains(d.getString("source")) && d.getString("path").isBlank()).ifPresent(d ->
                problems.add(new Problem(Origin.of(block.origin()), "train.data.path", "train.data.source = "
                        + d.getString("source") + " needs train.data.path, the folder of the dataset's files")));
        if (!problems.isEmpty()) {
            throw new ExperimentException(problems);
        }
        // No problem: every block resolved.
        return new TrainSettings(run.orElseThrow(), data.orElseThrow(), teachers, student.orElseThrow());
    }

    /**
     * {@code train.teacher { ... }} (one teacher, pairs say {@code teacher = logits}) or
     * {@code train.teachers { big { ... }, small { ... } }} (pairs say {@code teacher = big.logits}).
     */
    private static Map<String, Options> teachers(Config block, List<Problem> problems) {
        Map<String, Options> teachers = new LinkedHashMap<>();
        if (!block.hasPath("teachers")) {
            OptionsResolver.resolve("train.teacher", "train.teacher", TEACHER, sub(block, "teacher"), Set.of(),
                    ConfigFactory.empty(), problems).ifPresent(o -> teachers.put("", o));
            return teachers;
        }
        ConfigValue value = block.getValue("teachers");
        Origin where = Origin.of(value.origin());
        if (block.hasPath("teacher")) {
            problems.add(new Problem(where, "train.teacher and train.teachers are both set: declare one teacher as "
                    + "train.teacher, or several, each named, in train.teachers"));
        }
        if (!(value instanceof ConfigObject named)) {
            return teachers; // reported: 'train.teachers' must be an object
        }
        if (named.isEmpty()) {
            problems.add(new Problem(where, "train.teachers must name at least one teacher, e.g. teachers { big { arch = resnet }"
                    + ", small { arch = cnn, width = 8 } }"));
            return teachers;
        }
        // A HOCON object keeps no order: the teachers come in the order of their lines in the file.
        List<Map.Entry<String, ConfigValue>> inFileOrder = new ArrayList<>(named.entrySet());
        inFileOrder.sort(java.util.Comparator.comparingInt((Map.Entry<String, ConfigValue> e) -> e.getValue().origin().lineNumber())
                .thenComparing(Map.Entry::getKey));
        for (Map.Entry<String, ConfigValue> t : inFileOrder) {
            String name = t.getKey();
            Origin at = Origin.of(t.getValue().origin());
            if (!name.matches("[A-Za-z_][A-Za-z0-9_-]*") || name.equals("student")) {
                problems.add(new Problem(at, "teacher name '" + name + "': use letters, digits, '_' and '-'"
                        + (name.equals("student") ? ", and not 'student', which names the student's own outputs" : "")));
                continue;
            }
            // HOCON merges two objects of one name silently; two of them in one file is a name used twice.
            java.util.regex.Matcher lines = java.util.regex.Pattern.compile(": (\\d+-\\d+)$")
                    .matcher(t.getValue().origin().description());
            if (lines.find()) {
                problems.add(new Problem(at, "teacher '" + name + "' is declared more than once (lines " + lines.group(1)
                        + "): give each teacher its own name (to change an included file's teacher, set its keys in the"
                        + " including file)"));
                continue;
            }
            if (!(t.getValue() instanceof ConfigObject settings)) {
                problems.add(new Problem(at, "train.teachers." + name + " must be an object of teacher settings, got "
                        + t.getValue().valueType().name().toLowerCase(java.util.Locale.ROOT)));
                continue;
            }
            OptionsResolver.resolve("train.teachers." + name, "train.teachers." + name, TEACHER, settings.toConfig(),
                    Set.of(), ConfigFactory.empty(), problems).ifPresent(o -> teachers.put(name, o));
        }
        return teachers;
    }

    /** A sub-block of {@code train} ({@code data}, {@code student}, ...); one that is not an object was reported by {@link #object}. */
    private static Config sub(Config block, String key) {
        return block.hasPath(key) && block.getValue(key).valueType() == com.typesafe.config.ConfigValueType.OBJECT
                ? block.getConfig(key) : ConfigFactory.empty();
    }

    /** Whether {@code key} is an object; a value of another type is a located problem, not an exception. */
    private static boolean object(Config c, String key, String path, List<Problem> problems) {
        if (!c.hasPath(key)) {
            return false;
        }
        ConfigValue v = c.getValue(key);
        if (v.valueType() != com.typesafe.config.ConfigValueType.OBJECT) {
            problems.add(new Problem(Origin.of(v.origin()), path, "'" + path + "' must be an object { ... }, got "
                    + v.valueType().name().toLowerCase(java.util.Locale.ROOT) + " " + v.render(com.typesafe.config.ConfigRenderOptions.concise())));
            return false;
        }
        return true;
    }

    /**
     * What a run's checkpoints are of: the experiment's plan and every setting that shapes training,
     * but not those a resumed run may change (epochs, where it writes, the device), hashed.
     */
    public String fingerprint(Config experiment) {
        StringBuilder b = new StringBuilder("models-v" + MODELS_VERSION + "|");
        b.append(experiment.hasPath("distill4j") ? experiment.getValue("distill4j").render(
                com.typesafe.config.ConfigRenderOptions.concise()) : "{}");
        for (String k : new java.util.TreeSet<>(run.keys())) {
            if (!k.equals("epochs") && !NOT_TRAINING.contains(k)) {
                b.append('|').append(k).append('=').append(run.getString(k));
            }
        }
        b.append('|').append(render(data)).append('|').append(render(student));
        teachers.forEach((name, t) -> b.append("|teacher ").append(name).append(':').append(render(t)));
        return sha256(b.toString()).substring(0, 16);
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key for a trained teacher: it depends on the data, the teacher's settings and the seed only. */
    String teacherKey(Options teacher) {
        String text = "models-v" + MODELS_VERSION + "|" + render(data) + "|" + render(teacher) + "|seed=" + run.getInt("seed")
                + "|schedule=" + run.getString("schedule");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return teacher.getString("arch") + "-" + HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String render(Options o) {
        StringBuilder b = new StringBuilder();
        for (String k : new java.util.TreeSet<>(o.keys())) {
            b.append(k).append('=').append(o.getString(k)).append(';');
        }
        return b.toString();
    }

    /** Runs per experiment ({@code train.seeds}). */
    public int seeds() {
        return run.getInt("seeds");
    }

    /** The fraction of the training data held out for evaluation ({@code train.data.validation}). */
    public double validation() {
        return data.getDouble("validation");
    }

    /** The data a run trains on, for tables: "built-in shapes", "Fashion-MNIST", or the source and its folder. */
    public String dataLabel() {
        String source = data.getString("source");
        String size = " (" + data.getInt("train-size") + " train)";
        return switch (source) {
            case "shapes" -> "built-in shapes" + size;
            case "fashion-mnist" -> "Fashion-MNIST" + size;
            default -> source + " " + data.getString("path") + size;
        };
    }

    /** The first seed ({@code train.seed}). */
    public int seed() {
        return run.getInt("seed");
    }

    /** The key of a student-alone run: what shapes it (data, student, schedule, seed), not the distillation. */
    String aloneKey() {
        StringBuilder b = new StringBuilder("models-v" + MODELS_VERSION + "|");
        for (String k : new java.util.TreeSet<>(run.keys())) {
            if (!NOT_TRAINING.contains(k)) {
                b.append(k).append('=').append(run.getString(k)).append(';');
            }
        }
        return sha256(b.append('|').append(render(data)).append('|').append(render(student)).toString());
    }

    /** The least time between two drawings of the distilled run's chart ({@code train.chart-every}). */
    public java.time.Duration chartEvery() {
        return java.time.Duration.ofSeconds(run.getInt("chart-every"));
    }

    /** Where an experiment's run writes its log, chart and checkpoints. */
    public java.nio.file.Path outputDir(String experiment) {
        return java.nio.file.Path.of(run.getString("output"), experiment);
    }
}
