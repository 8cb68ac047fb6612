package io.distill4j.cli.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.distill4j.runtime.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local dataset readers on small files written here in each format's exact byte layout. */
class DatasetsTest {
    @TempDir
    Path tmp;

    private static Datasets.Data load(String source, Path dir, int trainSize, int testSize) {
        TrainSettings s = TrainSettings.of(ConfigFactory.parseString("train.data { source = " + source + ", path = \""
                + dir + "\", train-size = " + trainSize + ", test-size = " + testSize + " }"), "test");
        return Datasets.load(s.data, 0);
    }

    /** An IDX image file and its label file, gzipped as Fashion-MNIST ships them; pixel k of image i is 10 i + k. */
    private static void idx(Path dir, String prefix, int count, int side) throws IOException {
        ByteArrayOutputStream images = new ByteArrayOutputStream();
        DataOutputStream x = new DataOutputStream(images);
        x.writeInt(0x00000803);
        x.writeInt(count);
        x.writeInt(side);
        x.writeInt(side);
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < side * side; k++) {
                x.writeByte(10 * i + k);
            }
        }
        ByteArrayOutputStream labels = new ByteArrayOutputStream();
        DataOutputStream y = new DataOutputStream(labels);
        y.writeInt(0x00000801);
        y.writeInt(count);
        for (int i = 0; i < count; i++) {
            y.writeByte(9 - i);
        }
        gzip(dir.resolve(prefix + "-images-idx3-ubyte.gz"), images.toByteArray());
        gzip(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), labels.toByteArray());
    }

    private static void gzip(Path file, byte[] bytes) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(bytes);
        }
    }

    @Test
    void readsGzippedIdxFilesAsFashionMnistShipsThem() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fashion-mnist"));
        idx(dir, "train", 3, 4);
        idx(dir, "t10k", 2, 4);
        Datasets.Data d = load("mnist", dir, 2, 100);
        assertEquals(10, d.classes());
        assertEquals(2, d.train().count(), "capped at train-size");
        assertEquals(2, d.test().count(), "all the test images there are");
        assertEquals(4, d.train().size());
        assertEquals(1, d.train().channels());
        assertArrayEquals(new int[] {9, 8}, d.train().labels());
        assertEquals(0f, d.train().images()[0]);
        assertEquals(15 / 255f, d.train().images()[15], 1e-7f, "image 0, last pixel");
        assertEquals(10 / 255f, d.train().images()[16], 1e-7f, "image 1, first pixel");
        assertArrayEquals(new float[] {0, 0, 4, 4}, d.train().boxes()[1], "the whole image is the box");
    }

    /** One CIFAR-10 record: label, then 1024 red, 1024 green, 1024 blue bytes. */
    private static byte[] cifarRecords(int first, int count, int label) {
        byte[] out = new byte[count * 3073];
        for (int r = 0; r < count; r++) {
            out[r * 3073] = (byte) label;
            for (int k = 0; k < 3072; k++) {
                out[r * 3073 + 1 + k] = (byte) (k < 1024 ? first + r : k < 2048 ? 100 : 200);
            }
        }
        return out;
    }

    @Test
    void readsCifar10BinaryBatchesAcrossFiles() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cifar"));
        for (int b = 1; b <= 5; b++) {
            Files.write(dir.resolve("data_batch_" + b + ".bin"), cifarRecords(10 * b, 2, b));
        }
        Files.write(dir.resolve("test_batch.bin"), cifarRecords(0, 3, 0));
        Datasets.Data d = load("cifar10", dir, 7, 100);
        assertEquals(7, d.train().count(), "capped at train-size, across batch files");
        assertEquals(3, d.test().count());
        assertEquals(3, d.train().channels());
        assertEquals(32, d.train().size());
        assertArrayEquals(new int[] {1, 1, 2, 2, 3, 3, 4}, d.train().labels());
        int image = 3 * 32 * 32;
        assertEquals(21 / 255f, d.train().images()[3 * image], 1e-7f, "record 3 is batch 2's second: red plane first");
        assertEquals(100 / 255f, d.train().images()[3 * image + 1024], 1e-7f, "then green");
        assertEquals(200 / 255f, d.train().images()[3 * image + 2048], 1e-7f, "then blue");

        Files.write(dir.resolve("test_batch.bin"), cifarRecords(0, 1, 12));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> load("cifar10", dir, 7, 100));
        assertTrue(e.getMessage().endsWith("test_batch.bin: label 12 is not a CIFAR-10 class"), e.getMessage());
        Files.write(dir.resolve("test_batch.bin"), new byte[3000]);
        InvalidInputException cut = assertThrows(InvalidInputException.class, () -> load("cifar10", dir, 7, 100));
        assertTrue(cut.getMessage().contains("3000 bytes is not a whole number of CIFAR-10 records"), cut.getMessage());
    }

    @Test
    void anImageFolderOfOneClassIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("images/train/red"));
        Files.createDirectories(tmp.resolve("images/test/red"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> load("folder", tmp.resolve("images"), 10, 10));
        assertTrue(e.getMessage().contains("one class folder (red); a classifier needs at least two"), e.getMessage());
        assertTrue(Files.isDirectory(dir));
    }

    @Test
    void fashionMnistReadsItsIdxFilesAndSaysHowToInstallThemWhenMissing() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fashion"));
        idx(dir, "train", 3, 28);
        idx(dir, "t10k", 2, 28);
        Datasets.Data d = load("fashion-mnist", dir, 100, 100);
        assertEquals(3, d.train().count());
        assertEquals(28, d.train().size());
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> load("fashion-mnist", tmp.resolve("nowhere"), 100, 100));
        assertTrue(e.getMessage().contains("install it with: apt-get install dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void aTruncatedOrMissingFashionMnistFileIsNamed() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fashion-cut"));
        idx(dir, "train", 20, 28);
        idx(dir, "t10k", 2, 28);
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        byte[] whole = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(whole, whole.length / 2));
        InvalidInputException cut = assertThrows(InvalidInputException.class, () -> load("fashion-mnist", dir, 100, 100));
        assertTrue(cut.getMessage().contains("train-images-idx3-ubyte.gz") && cut.getMessage().contains("truncated"),
                cut.getMessage());
        Files.delete(images);
        InvalidInputException missing = assertThrows(InvalidInputException.class, () -> load("fashion-mnist", dir, 100, 100));
        assertTrue(missing.getMessage().contains("train-images-idx3-ubyte"), missing.getMessage());
    }

    @Test
    void aValidationSplitIsTheTailOfTheTrainingDataNeverTheTestSet() {
        TrainSettings plain = TrainSettings.of(ConfigFactory.parseString("train.data { train-size = 40, test-size = 10 }"), "test");
        TrainSettings held = TrainSettings.of(ConfigFactory.parseString(
                "train.data { train-size = 40, test-size = 10, validation = 0.25 }"), "test");
        Datasets.Data full = Datasets.load(plain.data, 3);
        Datasets.Data split = Datasets.load(held.data, 3);
        assertEquals(30, split.train().count());
        assertEquals(10, split.test().count());
        int pixels = 28 * 28;
        assertArrayEquals(java.util.Arrays.copyOfRange(full.train().images(), 0, 30 * pixels), split.train().images());
        assertArrayEquals(java.util.Arrays.copyOfRange(full.train().images(), 30 * pixels, 40 * pixels), split.test().images(),
                "evaluated on the held-out training examples");
        assertArrayEquals(java.util.Arrays.copyOfRange(full.train().labels(), 30, 40), split.test().labels());
        assertEquals(full.train().boxes()[35][2], split.test().boxes()[5][2]);
        InvalidInputException tooFew = assertThrows(InvalidInputException.class, () -> Datasets.load(TrainSettings.of(
                ConfigFactory.parseString("train.data { train-size = 1, validation = 0.4 }"), "test").data, 0));
        assertTrue(tooFew.getMessage().contains("leaves examples on both sides"), tooFew.getMessage());
    }
}
