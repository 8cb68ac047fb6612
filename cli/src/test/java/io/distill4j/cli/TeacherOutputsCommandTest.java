package io.distill4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** distill teacher-outputs, then distill train reading them: the same run as with the teacher, and every mismatch refused before training. */
class TeacherOutputsCommandTest {
    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    private static CliRun distill(String... args) {
        return CliRun.of(shared.resolve("no-plugins"), args);
    }

    private Path experiment(String name, String base, String extra) throws IOException {
        return Files.writeString(tmp.resolve(name + ".conf"), "include \"" + TrainCommandTest.EXPERIMENTS.resolve(base + ".conf")
                + "\"\ntrain { epochs = 2, batch-size = 32, schedule = constant, data { train-size = 320, test-size = 96 },"
                + " teacher.epochs = 1, output = \"" + tmp.resolve("runs") + "\", cache = \"" + shared.resolve("cache") + "\" }\n"
                + extra);
    }

    @Test
    void aRunReadingFloat32OutputsIsTheRunWithTheTeacherBitForBit() throws IOException {
        Path online = experiment("online", "kd", "");
        CliRun a = distill("train", online.toString());
        assertEquals(0, a.code(), a.err());

        Path outputs = tmp.resolve("outputs");
        CliRun made = distill("teacher-outputs", online.toString(), "-o", outputs.toString());
        assertEquals(0, made.code(), made.err());
        assertTrue(made.out().contains("416 samples, float32, taps {logits=(10)}"), made.out());
        assertTrue(Files.isRegularFile(outputs.resolve("manifest.properties")));

        Path offline = experiment("offline", "kd", "train.teacher-outputs = \"" + outputs + "\"\n");
        CliRun b = distill("train", offline.toString());
        assertEquals(0, b.code(), b.err());
        assertTrue(b.err().contains("reads them instead of running the teacher"), b.err());
        List<String> stepsA = Files.readAllLines(tmp.resolve("runs/online/steps.csv"));
        List<String> stepsB = Files.readAllLines(tmp.resolve("runs/offline/steps.csv"));
        assertEquals(stepsA, stepsB, "every step's loss terms identical");
        assertArrayEquals(Files.readAllBytes(tmp.resolve("runs/online/checkpoints/epoch-002/student.params")),
                Files.readAllBytes(tmp.resolve("runs/offline/checkpoints/epoch-002/student.params")), "the same student");

        Path half = tmp.resolve("half");
        assertEquals(0, distill("teacher-outputs", online.toString(), "-o", half.toString(), "--precision", "float16").code());
        assertTrue(Files.size(half.resolve("shard-00000.bin")) * 2 == Files.size(outputs.resolve("shard-00000.bin")),
                "float16 is half the size");
    }

    @Test
    void outputsOfOtherDataOrWithoutANeededTapOrDamagedAreRefusedBeforeTraining() throws IOException {
        Path base = experiment("base", "kd", "");
        Path outputs = tmp.resolve("outputs");
        assertEquals(0, distill("teacher-outputs", base.toString(), "-o", outputs.toString()).code());

        refused(experiment("bigger", "kd", "train { data.train-size = 352, teacher-outputs = \"" + outputs + "\" }\n"),
                "these teacher outputs are of other data");
        refused(experiment("feat", "features", "train.teacher-outputs = \"" + outputs + "\"\n"),
                "the run needs the teacher's 'stage1', which these outputs do not hold (they hold logits)");
        refused(experiment("wider", "kd", "train { teacher.width = 12, teacher-outputs = \"" + outputs + "\" }\n"),
                "cannot be of this run's teacher, which is not trained yet");
        Path shard = outputs.resolve("shard-00000.bin");
        byte[] whole = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(whole, whole.length / 2));
        refused(experiment("cut", "kd", "train.teacher-outputs = \"" + outputs + "\"\n"), "shard-00000.bin: ");
        CliRun badPrecision = distill("teacher-outputs", base.toString(), "-o", tmp.resolve("x").toString(), "--precision", "int8");
        assertEquals(DistillCli.BAD_INPUT, badPrecision.code());
        assertTrue(badPrecision.err().contains("use float32 or float16"), badPrecision.err());
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    private void refused(Path conf, String expected) {
        String name = conf.getFileName().toString().replace(".conf", "");
        CliRun r = distill("train", conf.toString());
        assertEquals(DistillCli.BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(Files.exists(tmp.resolve("runs/" + name + "/checkpoints/epoch-001")), "nothing trained");
        assertFalse(r.err().contains("trained and cached"), "not even a teacher: " + r.err());
    }
}
