package io.distill4j.cli.train;

import io.distill4j.runtime.InvalidInputException;
import io.distill4j.spi.Options;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The run's data: the built-in shapes, or a local dataset in its standard format, chosen by
 * {@code train.data.source}. Images are {@code (N, C, H, W)} floats in [0, 1]; every image carries
 * one box (its shape's, or the whole image) so detection losses can run on any source.
 */
final class Datasets {
    private Datasets() {}

    /** One split: images, labels, and one box per image with the image's size. */
    record Split(float[] images, int[] labels, float[][] boxes, int count, int channels, int size) {
        /** Examples {@code [from, to)}. */
        Split slice(int from, int to) {
            int pixels = channels * size * size;
            return new Split(java.util.Arrays.copyOfRange(images, from * pixels, to * pixels),
                    java.util.Arrays.copyOfRange(labels, from, to), java.util.Arrays.copyOfRange(boxes, from, to), to - from,
                    channels, size);
        }
    }

    /** The training and test splits. */
    record Data(Split train, Split test, int classes) {}

    /** The channels and side of the images a source yields, without loading it. */
    static int[] channelsAndSize(Options data) {
        return switch (data.getString("source")) {
            case "mnist", "fashion-mnist" -> new int[] {1, 28};
            case "cifar10" -> new int[] {3, 32};
            case "folder", "parquet" -> new int[] {data.getInt("channels"), data.getInt("image-size")};
            default -> new int[] {1, data.getInt("image-size")};
        };
    }

    /**
     * The run's data. With {@code validation > 0}, that fraction of the training examples (its tail) is
     * held out and returned as the evaluation split in place of the test set, so a sweep never selects
     * on the test set; the model trains on the rest.
     */
    static Data load(Options data, int seed) {
        Data full = loadSource(data, seed);
        double fraction = data.getDouble("validation");
        if (fraction <= 0) {
            return full;
        }
        Split train = full.train();
        int held = (int) Math.round(fraction * train.count());
        if (held < 1 || held >= train.count()) {
            throw new InvalidInputException("train.data.validation = " + fraction + " holds out " + held + " of "
                    + train.count() + " training examples; choose a fraction that leaves examples on both sides");
        }
        return new Data(train.slice(0, train.count() - held), train.slice(train.count() - held, train.count()), full.classes());
    }

    private static Data loadSource(Options data, int seed) {
        int trainCap = data.getInt("train-size");
        int testCap = data.getInt("test-size");
        return switch (data.getString("source")) {
            case "mnist" -> mnist(Path.of(data.getString("path")), trainCap, testCap);
            case "fashion-mnist" -> fashionMnist(data.getString("path"), trainCap, testCap);
            case "cifar10" -> cifar10(Path.of(data.getString("path")), trainCap, testCap);
            case "folder" -> folder(Path.of(data.getString("path")), data.getInt("channels"), data.getInt("image-size"),
                    trainCap, testCap);
            case "parquet" -> parquet(data, trainCap, testCap);
            default -> {
                int size = data.getInt("image-size");
                yield new Data(shapes(ShapesData.generate(seed, trainCap, size)),
                        shapes(ShapesData.generate(seed + 1_000_003L, testCap, size)), ShapesData.CLASSES.length);
            }
        };
    }

    private static Split shapes(ShapesData.Samples s) {
        return new Split(s.images(), s.labels(), s.boxes(), s.count(), 1, s.size());
    }

    // ---- MNIST: IDX files (optionally gzipped) -----------------------------------------------

    /** Where Debian's dataset-fashion-mnist package puts the gzipped IDX files. */
    static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    /** Fashion-MNIST: MNIST's layout, real 28x28 photos of ten kinds of clothing; by default where apt puts it. */
    private static Data fashionMnist(String path, int trainCap, int testCap) {
        Path dir = path.isBlank() ? FASHION_MNIST : Path.of(path);
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(dir + ": no Fashion-MNIST here; install it with: apt-get install"
                    + " dataset-fashion-mnist (or set train.data.path to a folder of its IDX files)");
        }
        return mnist(dir, trainCap, testCap);
    }

    private static Data mnist(Path dir, int trainCap, int testCap) {
        return new Data(mnistSplit(dir, "train", trainCap), mnistSplit(dir, "t10k", testCap), 10);
    }

    private static Split mnistSplit(Path dir, String prefix, int cap) {
        Path imagesFile = existing(dir, prefix + "-images-idx3-ubyte", prefix + "-images.idx3-ubyte");
        Path labelsFile = existing(dir, prefix + "-labels-idx1-ubyte", prefix + "-labels.idx1-ubyte");
        try (DataInputStream images = open(imagesFile); DataInputStream labels = open(labelsFile)) {
            expectMagic(images, 0x00000803, imagesFile);
            expectMagic(labels, 0x00000801, labelsFile);
            int count = images.readInt();
            int rows = images.readInt();
            int cols = images.readInt();
            if (labels.readInt() != count || rows != cols) {
                throw new InvalidInputException(imagesFile + ": " + count + " images of " + rows + "x" + cols
                        + " do not match " + labelsFile);
            }
            int n = Math.min(count, cap);
            float[] x = new float[n * rows * cols];
            int[] y = new int[n];
            float[][] boxes = new float[n][];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < rows * cols; k++) {
                    x[i * rows * cols + k] = images.readUnsignedByte() / 255f;
                }
                y[i] = labels.readUnsignedByte();
                boxes[i] = new float[] {0, 0, cols, rows};
            }
            return new Split(x, y, boxes, n, 1, rows);
        } catch (EOFException e) {
            throw new InvalidInputException(imagesFile + ": truncated (fewer images than its header says)");
        } catch (IOException e) {
            throw new InvalidInputException(dir + ": cannot read MNIST (" + e.getMessage() + ")");
        }
    }

    private static void expectMagic(DataInputStream in, int magic, Path file) throws IOException {
        int got = in.readInt();
        if (got != magic) {
            throw new InvalidInputException(file + ": not an IDX file of the expected kind (magic " + Integer.toHexString(got) + ")");
        }
    }

    // ---- CIFAR-10: binary batches ------------------------------------------------------------

    private static Data cifar10(Path dir, int trainCap, int testCap) {
        Path[] train = new Path[5];
        for (int i = 0; i < 5; i++) {
            train[i] = existing(dir, "data_batch_" + (i + 1) + ".bin");
        }
        return new Data(cifarSplit(train, trainCap), cifarSplit(new Path[] {existing(dir, "test_batch.bin")}, testCap), 10);
    }

    private static Split cifarSplit(Path[] files, int cap) {
        int record = 1 + 3 * 32 * 32;
        int total = 0;
        for (Path f : files) {
            long size = size(f);
            if (size % record != 0) {
                throw new InvalidInputException(f + ": " + size + " bytes is not a whole number of CIFAR-10 records ("
                        + record + " bytes each)");
            }
            total += (int) (size / record);
        }
        int n = Math.min(total, cap);
        float[] x = new float[n * 3 * 32 * 32];
        int[] y = new int[n];
        float[][] boxes = new float[n][];
        int i = 0;
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                byte[] rec = new byte[record];
                while (i < n && in.readNBytes(rec, 0, record) == record) {
                    y[i] = rec[0] & 0xff;
                    if (y[i] > 9) {
                        throw new InvalidInputException(f + ": label " + y[i] + " is not a CIFAR-10 class");
                    }
                    for (int k = 0; k < 3 * 32 * 32; k++) {
                        x[i * 3 * 32 * 32 + k] = (rec[1 + k] & 0xff) / 255f;
                    }
                    boxes[i] = new float[] {0, 0, 32, 32};
                    i++;
                }
            } catch (IOException e) {
                throw new InvalidInputException(f + ": cannot read (" + e.getMessage() + ")");
            }
        }
        return new Split(x, y, boxes, n, 3, 32);
    }

    // ---- an image-folder tree: <path>/{train,test}/<class>/<image> ----------------------------

    private static Data folder(Path dir, int channels, int size, int trainCap, int testCap) {
        if (channels != 1 && channels != 3) {
            throw new InvalidInputException("train.data.channels must be 1 or 3 for folder images, got " + channels);
        }
        Path train = dir.resolve("train");
        Path test = dir.resolve("test");
        if (!Files.isDirectory(train) || !Files.isDirectory(test)) {
            throw new InvalidInputException(dir + ": an image folder needs train/<class>/... and test/<class>/... subfolders");
        }
        java.util.List<String> classes = classFolders(train);
        if (!classFolders(test).equals(classes)) {
            throw new InvalidInputException(dir + ": train and test hold different class folders: " + classes + " vs "
                    + classFolders(test));
        }
        return new Data(folderSplit(train, classes, channels, size, trainCap),
                folderSplit(test, classes, channels, size, testCap), classes.size());
    }

    private static java.util.List<String> classFolders(Path dir) {
        try (var s = Files.list(dir)) {
            java.util.List<String> names = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
            if (names.size() < 2) {
                throw new InvalidInputException(dir + ": " + (names.isEmpty() ? "no class folders" : "one class folder ("
                        + names.get(0) + ")") + "; a classifier needs at least two, one folder of images per class");
            }
            return names;
        } catch (IOException e) {
            throw new InvalidInputException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }

    private static Split folderSplit(Path dir, java.util.List<String> classes, int channels, int size, int cap) {
        java.util.List<Path> files = new java.util.ArrayList<>();
        java.util.List<Integer> labels = new java.util.ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            try (var s = Files.list(dir.resolve(classes.get(c)))) {
                for (Path f : s.filter(p -> p.getFileName().toString().matches("(?i).*\\.(png|jpe?g|bmp|gif)")).sorted().toList()) {
                    files.add(f);
                    labels.add(c);
                }
            } catch (IOException e) {
                throw new InvalidInputException(dir.resolve(classes.get(c)) + ": cannot list (" + e.getMessage() + ")");
            }
        }
        // Interleave the classes deterministically before capping, so a cap keeps every class.
        Integer[] order = new Integer[files.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Collections.shuffle(java.util.Arrays.asList(order), new java.util.Random(files.size()));
        int n = Math.min(files.size(), cap);
        float[] x = new float[n * channels * size * size];
        int[] y = new int[n];
        float[][] boxes = new float[n][];
        for (int i = 0; i < n; i++) {
            Path f = files.get(order[i]);
            java.awt.image.BufferedImage img;
            try {
                img = javax.imageio.ImageIO.read(f.toFile());
            } catch (IOException e) {
                throw new InvalidInputException(f + ": cannot read the image (" + e.getMessage() + ")");
            }
            if (img == null) {
                throw new InvalidInputException(f + ": not an image this JDK can decode");
            }
            java.awt.image.BufferedImage scaled = new java.awt.image.BufferedImage(size, size,
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D g = scaled.createGraphics();
            g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(img, 0, 0, size, size, null);
            g.dispose();
            for (int py = 0; py < size; py++) {
                for (int px = 0; px < size; px++) {
                    int rgb = scaled.getRGB(px, py);
                    float r = ((rgb >> 16) & 0xff) / 255f;
                    float gr = ((rgb >> 8) & 0xff) / 255f;
                    float b = (rgb & 0xff) / 255f;
                    int base = i * channels * size * size + py * size + px;
                    if (channels == 1) {
                        x[base] = 0.299f * r + 0.587f * gr + 0.114f * b;
                    } else {
                        x[base] = r;
                        x[base + size * size] = gr;
                        x[base + 2 * size * size] = b;
                    }
                }
            }
            y[i] = labels.get(order[i]);
            boxes[i] = new float[] {0, 0, size, size};
        }
        return new Split(x, y, boxes, n, channels, size);
    }

    // ---- a Parquet table per split: <path>/train.parquet and <path>/test.parquet ---------------

    private static Data parquet(Options data, int trainCap, int testCap) {
        String dir = data.getString("path");
        String image = data.getString("image-column");
        String label = data.getString("label-column");
        int channels = data.getInt("channels");
        int size = data.getInt("image-size");
        String trainTable = ParquetImages.table(dir, "train");
        String testTable = ParquetImages.table(dir, "test");
        Split train = ParquetImages.read(trainTable, image, label, channels, size, trainCap);
        Split test = ParquetImages.read(testTable, image, label, channels, size, testCap);
        int classes = java.util.Arrays.stream(train.labels()).max().orElse(0) + 1;
        if (classes < 2) {
            throw new InvalidInputException(trainTable + ": every label is 0; a classifier needs at least two classes");
        }
        for (int i = 0; i < test.count(); i++) {
            if (test.labels()[i] >= classes) {
                throw new InvalidInputException(testTable + " row " + i + ": label " + test.labels()[i]
                        + " is a class the training table does not have (its labels are 0-" + (classes - 1) + ")");
            }
        }
        return new Data(train, test, classes);
    }

    // ---- files ---------------------------------------------------------------------------------

    private static Path existing(Path dir, String... names) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(dir + ": no such dataset folder");
        }
        for (String name : names) {
            for (String candidate : new String[] {name, name + ".gz"}) {
                if (Files.isRegularFile(dir.resolve(candidate))) {
                    return dir.resolve(candidate);
                }
            }
        }
        throw new InvalidInputException(dir + ": missing " + names[0] + " (or .gz)");
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        return new DataInputStream(new java.io.BufferedInputStream(
                file.toString().endsWith(".gz") ? new GZIPInputStream(in) : in));
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(f + ": no such file");
        } catch (IOException e) {
            throw new InvalidInputException(f + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
