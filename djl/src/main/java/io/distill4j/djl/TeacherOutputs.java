package io.distill4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.distill4j.runtime.Checksums;
import io.distill4j.runtime.InvalidInputException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A teacher's outputs computed once for every sample of a dataset and stored on disk, so that
 * distillation runs read them instead of running the teacher (offline distillation).
 *
 * <p>Layout: a folder of shards, {@code shard-00000.bin}, ..., each holding a fixed number of samples
 * (the last may hold fewer) as fixed-size records, sample after sample in index order; a record is
 * every tap's values in the manifest's tap order, row-major, little-endian float32 or float16. So
 * sample {@code i} lies in shard {@code i / shardSize} at {@code (i % shardSize) * recordBytes}, and any
 * batch order reads it directly. {@code manifest.properties} records the format, the sample count, the
 * shard size, the precision, the taps with their per-sample shapes, the data's fingerprint, a checksum
 * of each teacher's parameters, and the SHA-256 of every shard. The folder is written beside its
 * target and renamed into place when complete: a cache is whole or absent.
 *
 * <pre>{@code
 * try (TeacherOutputs.Writer w = TeacherOutputs.writer(dir, shapes, Precision.FLOAT16, 1024, dataFp, teachers)) {
 *     for (...) w.append(teacherOutputsOfTheNextSamples);   // in sample order
 *     w.commit();
 * }
 * TeacherOutputs cache = TeacherOutputs.open(dir);          // checks every shard
 * cache.check(dataFp, teachers, neededShapes);              // refuses another dataset, teacher or tap
 * NDList t = cache.gather(manager, sampleIndices);          // float32, one array per tap
 * }</pre>
 */
public final class TeacherOutputs {
    /** The manifest's name in a cache folder. */
    public static final String MANIFEST = "manifest.properties";
    /** This layout's name and version, the manifest's first key. */
    public static final String FORMAT = "distill4j-teacher-outputs/1";

    /** How the values are stored; they are always read back as float32. */
    public enum Precision {
        FLOAT32(DataType.FLOAT32, 4), FLOAT16(DataType.FLOAT16, 2);

        final DataType type;
        final int bytes;

        Precision(DataType type, int bytes) {
            this.type = type;
            this.bytes = bytes;
        }

        /** {@code float32} or {@code float16}, as configured. */
        public static Precision of(String name) {
            return switch (name) {
                case "float32" -> FLOAT32;
                case "float16" -> FLOAT16;
                default -> throw new InvalidInputException("teacher outputs precision '" + name + "': use float32 or float16");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Path dir;
    private final int samples;
    private final int shardSize;
    private final Precision precision;
    private final Map<String, Shape> taps;
    private final String data;
    private final Map<String, String> teachers;
    private final Map<String, String> notes;
    private final long recordBytes;
    private final MappedByteBuffer[] shards;

    private TeacherOutputs(Path dir, int samples, int shardSize, Precision precision, Map<String, Shape> taps, String data,
                           Map<String, String> teachers, Map<String, String> notes, MappedByteBuffer[] shards) {
        this.dir = dir;
        this.samples = samples;
        this.shardSize = shardSize;
        this.precision = precision;
        this.taps = taps;
        this.data = data;
        this.teachers = teachers;
        this.notes = notes;
        this.recordBytes = recordBytes(taps, precision);
        this.shards = shards;
    }

    private static long recordBytes(Map<String, Shape> taps, Precision precision) {
        return taps.values().stream().mapToLong(Shape::size).sum() * precision.bytes;
    }

    /**
     * Starts a cache at {@code dir}, written into a temporary folder beside it.
     *
     * @param taps the stored tensors by name, in record order, each with its shape per sample
     * @param data the fingerprint of the dataset the samples come from, in index order
     * @param teachers a checksum of each teacher's parameters, by teacher name
     */
    public static Writer writer(Path dir, Map<String, Shape> taps, Precision precision, int shardSize, String data,
                                Map<String, String> teachers) throws IOException {
        if (shardSize < 1) {
            throw new InvalidInputException("teacher outputs: shard size " + shardSize + " must be at least 1");
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new InvalidInputException("teacher outputs are little-endian; this machine is not");
        }
        return new Writer(dir, new LinkedHashMap<>(taps), precision, shardSize, data, new LinkedHashMap<>(teachers));
    }

    /** Writes a cache sample by sample; {@link #commit} puts it in place, {@link #close} without it leaves nothing. */
    public static final class Writer implements AutoCloseable {
        private final Path target;
        private final Path tmp;
        private final Map<String, Shape> taps;
        private final Precision precision;
        private final int shardSize;
        private final String data;
        private final Map<String, String> teachers;
        private final Map<String, String> notes = new LinkedHashMap<>();
        private final List<String> checksums = new ArrayList<>();
        private OutputStream shard;
        private int inShard;
        private int written;
        private boolean committed;

        private Writer(Path target, Map<String, Shape> taps, Precision precision, int shardSize, String data,
                       Map<String, String> teachers) throws IOException {
            this.target = target.toAbsolutePath();
            Files.createDirectories(this.target.getParent());
            this.tmp = Files.createTempDirectory(this.target.getParent(), "." + target.getFileName() + ".writing-");
            this.taps = taps;
            this.precision = precision;
            this.shardSize = shardSize;
            this.data = data;
            this.teachers = teachers;
        }

        /** A key of the caller's, kept in the manifest (for example the teacher's test accuracy). */
        public Writer note(String key, String value) {
            notes.put(key, value);
            return this;
        }

        /**
         * Appends the next samples: one array per tap, in tap order, each {@code (n, shape...)} for the
         * same {@code n}; values are converted to the cache's precision.
         */
        public void append(NDList outputs) throws IOException {
            byte[] bytes = records(outputs, taps, precision);
            int record = (int) recordBytes(taps, precision);
            for (int i = 0; i < bytes.length / record; i++) {
                if (shard == null) {
                    shard = new BufferedOutputStream(Files.newOutputStream(tmp.resolve(shardName(checksums.size()))), 1 << 16);
                }
                shard.write(bytes, i * record, record);
                written++;
                if (++inShard == shardSize) {
                    closeShard();
                }
            }
        }

        /**
         * Takes shard {@code k} as a whole: its records, made by {@link TeacherOutputs#records} for the
         * samples {@code k * shardSize} onwards (a job that computes shards in parallel hands them in
         * any order). Not to be mixed with {@link #append}.
         */
        public void writeShard(int k, byte[] records) throws IOException {
            Files.write(tmp.resolve(shardName(k)), records);
            adoptShard(k);
        }

        /** Takes shard {@code k} that another process wrote into {@link #folderBeingWritten()}. */
        public void adoptShard(int k) throws IOException {
            Path file = tmp.resolve(shardName(k));
            long record = recordBytes(taps, precision);
            if (!Files.isRegularFile(file) || Files.size(file) % record != 0 || Files.size(file) > record * shardSize) {
                throw new IllegalStateException(file + ": not a shard of whole records of this cache");
            }
            while (checksums.size() <= k) {
                checksums.add(null);
            }
            checksums.set(k, Checksums.sha256(file));
            written += (int) (Files.size(file) / record);
        }

        /** The temporary folder the cache is written in until {@link #commit} renames it. */
        public Path folderBeingWritten() {
            return tmp;
        }

        private void closeShard() throws IOException {
            shard.close();
            shard = null;
            inShard = 0;
            checksums.add(Checksums.sha256(tmp.resolve(shardName(checksums.size()))));
        }

        /** Writes the manifest and renames the folder into place (an earlier cache there is replaced). */
        public void commit() throws IOException {
            if (shard != null) {
                closeShard();
            }
            if (written == 0) {
                throw new InvalidInputException(target + ": no samples to store");
            }
            if (checksums.contains(null) || checksums.size() != (written + shardSize - 1) / shardSize) {
                throw new IllegalStateException(target + ": shards missing: " + checksums.size() + " for " + written + " samples");
            }
            StringBuilder m = new StringBuilder();
            line(m, "format", FORMAT);
            line(m, "samples", Integer.toString(written));
            line(m, "shard-size", Integer.toString(shardSize));
            line(m, "shards", Integer.toString(checksums.size()));
            line(m, "precision", precision.toString());
            line(m, "byte-order", "little-endian");
            line(m, "taps", String.join(",", taps.keySet()));
            taps.forEach((name, shape) -> line(m, "tap." + name + ".shape", shapeText(shape)));
            line(m, "data", data);
            teachers.forEach((name, sum) -> line(m, "teacher." + (name.isEmpty() ? "default" : name), sum));
            notes.forEach((k, v) -> line(m, "note." + k, v));
            for (int i = 0; i < checksums.size(); i++) {
                line(m, "shard." + i, shardName(i) + " " + checksums.get(i));
            }
            Files.writeString(tmp.resolve(MANIFEST), m, StandardCharsets.UTF_8);
            Path old = null;
            if (Files.exists(target)) {
                old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old-");
                Files.delete(old);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            committed = true;
            if (old != null) {
                deleteTree(old);
            }
        }

        /** Without {@link #commit}, removes what was written: no partial cache is left behind. */
        @Override
        public void close() throws IOException {
            if (shard != null) {
                shard.close();
                shard = null;
            }
            if (!committed) {
                deleteTree(tmp);
            }
        }
    }

    /**
     * The records of {@code n} samples as the shards store them: for each sample, every tap's values
     * in the precision, tap after tap.
     *
     * @param outputs one array per tap, in tap order, each {@code (n, shape...)}
     */
    public static byte[] records(NDList outputs, Map<String, Shape> taps, Precision precision) {
        if (outputs.size() != taps.size()) {
            throw new IllegalArgumentException(outputs.size() + " arrays for " + taps.size() + " taps " + taps.keySet());
        }
        long n = -1;
        List<byte[]> bytes = new ArrayList<>();
        int t = 0;
        for (Map.Entry<String, Shape> tap : taps.entrySet()) {
            NDArray a = outputs.get(t++);
            Shape expected = new Shape(a.getShape().get(0)).addAll(tap.getValue());
            if (!a.getShape().equals(expected) || (n >= 0 && a.getShape().get(0) != n)) {
                throw new IllegalArgumentException("tap '" + tap.getKey() + "' is " + a.getShape() + ", expected " + expected);
            }
            n = a.getShape().get(0);
            try (NDArray converted = a.toType(precision.type, true)) {
                bytes.add(converted.toByteArray());
            }
        }
        int[] size = taps.values().stream().mapToInt(s -> (int) s.size() * precision.bytes).toArray();
        int record = java.util.Arrays.stream(size).sum();
        byte[] out = new byte[(int) (record * n)];
        int at = 0;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < size.length; k++) {
                System.arraycopy(bytes.get(k), i * size[k], out, at, size[k]);
                at += size[k];
            }
        }
        return out;
    }

    private static void line(StringBuilder b, String key, String value) {
        b.append(key).append('=').append(value).append('\n');
    }

    static String shardName(int i) {
        return String.format(java.util.Locale.ROOT, "shard-%05d.bin", i);
    }

    private static String shapeText(Shape s) {
        return Arrays.stream(s.getShape()).mapToObj(Long::toString).reduce((a, b) -> a + "x" + b).orElse("");
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    /**
     * Opens a cache, checking its manifest and every shard (size and SHA-256) before anything reads it.
     *
     * @throws InvalidInputException naming the folder and what is wrong: a missing or malformed
     *     manifest, a missing, truncated or corrupt shard
     */
    public static TeacherOutputs open(Path dir) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new InvalidInputException(dir + ": no teacher outputs here (no " + MANIFEST + "); compute them with"
                    + " distill teacher-outputs");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(manifest)) {
            p.load(in);
        }
        String what = manifest.toString();
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw new InvalidInputException(what + ": format '" + p.getProperty("format") + "', expected " + FORMAT);
        }
        int samples = positive(p, "samples", what);
        int shardSize = positive(p, "shard-size", what);
        int shardCount = positive(p, "shards", what);
        Precision precision = Precision.of(required(p, "precision", what));
        if (shardCount != (samples + shardSize - 1) / shardSize) {
            throw new InvalidInputException(what + ": " + shardCount + " shards cannot hold " + samples + " samples of "
                    + shardSize + " each");
        }
        Map<String, Shape> taps = new LinkedHashMap<>();
        for (String name : required(p, "taps", what).split(",")) {
            String shape = required(p, "tap." + name + ".shape", what);
            try {
                taps.put(name, new Shape(Arrays.stream(shape.split("x")).mapToLong(Long::parseLong).toArray()));
            } catch (NumberFormatException e) {
                throw new InvalidInputException(what + ": tap." + name + ".shape = '" + shape + "' is not a shape like 64x7x7");
            }
        }
        Map<String, String> teachers = new LinkedHashMap<>();
        Map<String, String> notes = new LinkedHashMap<>();
        for (String key : new java.util.TreeSet<>(p.stringPropertyNames())) {
            if (key.startsWith("teacher.")) {
                String name = key.substring("teacher.".length());
                teachers.put(name.equals("default") ? "" : name, p.getProperty(key));
            } else if (key.startsWith("note.")) {
                notes.put(key.substring("note.".length()), p.getProperty(key));
            }
        }
        long record = recordBytes(taps, precision);
        MappedByteBuffer[] shards = new MappedByteBuffer[shardCount];
        for (int i = 0; i < shardCount; i++) {
            String[] entry = required(p, "shard." + i, what).split(" ");
            Path file = dir.resolve(entry[0]);
            long expected = record * Math.min(shardSize, samples - (long) i * shardSize);
            if (!Files.isRegularFile(file)) {
                throw new InvalidInputException(file + ": missing shard of the teacher outputs in " + dir);
            }
            if (Files.size(file) != expected) {
                throw new InvalidInputException(file + ": " + Files.size(file) + " bytes, expected " + expected
                        + " (truncated or not of this cache); compute the outputs again");
            }
            if (entry.length < 2 || !entry[1].equals(Checksums.sha256(file))) {
                throw new InvalidInputException(file + ": its checksum does not match the manifest (corrupt); compute"
                        + " the outputs again");
            }
            try (FileChannel ch = FileChannel.open(file)) {
                shards[i] = ch.map(FileChannel.MapMode.READ_ONLY, 0, expected);
            }
            shards[i].order(ByteOrder.LITTLE_ENDIAN);
        }
        return new TeacherOutputs(dir, samples, shardSize, precision, taps, required(p, "data", what), teachers, notes, shards);
    }

    private static String required(Properties p, String key, String what) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new InvalidInputException(what + ": no '" + key + "' (not a complete teacher-outputs manifest)");
        }
        return v;
    }

    private static int positive(Properties p, String key, String what) {
        String v = required(p, key, what);
        try {
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(what + ": " + key + " = '" + v + "' must be a whole number of at least 1");
        }
    }

    /**
     * Refuses a cache that is not of this run, with one line naming the folder and the difference: other
     * data (its fingerprint), another teacher (its parameters' checksum), or a tap the run needs that is
     * missing or of another shape per sample.
     *
     * @param needed the teacher tensors the run's pairs read, with their shapes per sample
     */
    public void check(String dataFingerprint, Map<String, String> teacherChecksums, Map<String, Shape> needed) {
        checkData(dataFingerprint, needed);
        checkTeachers(teacherChecksums);
    }

    /** The data and tap half of {@link #check}: it needs no teacher, so a run can make it before loading one. */
    public void checkData(String dataFingerprint, Map<String, Shape> needed) {
        if (!data.equals(dataFingerprint)) {
            throw new InvalidInputException(dir + ": these teacher outputs are of other data (fingerprint " + data
                    + ", this run's " + dataFingerprint + "): compute them for this run's data with distill teacher-outputs");
        }
        for (Map.Entry<String, Shape> n : needed.entrySet()) {
            Shape have = taps.get(n.getKey());
            if (have == null) {
                throw new InvalidInputException(dir + ": the run needs the teacher's '" + n.getKey() + "', which these outputs"
                        + " do not hold (they hold " + String.join(", ", taps.keySet()) + ")");
            }
            if (!have.equals(n.getValue())) {
                throw new InvalidInputException(dir + ": tap '" + n.getKey() + "' is " + have + " per sample here, but the run's"
                        + " teacher gives " + n.getValue());
            }
        }
    }

    /** The teacher half of {@link #check}: the checksum of each teacher's parameters. */
    public void checkTeachers(Map<String, String> teacherChecksums) {
        if (!teachers.equals(teacherChecksums)) {
            throw new InvalidInputException(dir + ": these teacher outputs are of another teacher (parameters " + teachers
                    + ", this run's " + teacherChecksums + "): compute them again with this run's teacher");
        }
    }

    /**
     * The stored tensors of the given samples, as float32 arrays {@code (N, shape...)} in tap order,
     * named by their taps, attached to {@code manager}.
     *
     * @param indices the samples' indices, a 1-D integer (or integral float) array
     */
    public NDList gather(NDManager manager, NDArray indices) {
        // The index array is read once; an INT64 one (distill train's) needs no conversion first.
        long[] idx = indices.toType(DataType.INT64, false).toLongArray();
        for (long i : idx) {
            if (i < 0 || i >= samples) {
                throw new InvalidInputException(dir + ": sample " + i + " is not in these teacher outputs (0 to "
                        + (samples - 1) + ")");
            }
        }
        NDList out = new NDList();
        long offset = 0;
        for (Map.Entry<String, Shape> tap : taps.entrySet()) {
            int values = (int) tap.getValue().size();
            int bytes = values * precision.bytes;
            // Always float32 on the way in: float16 is widened here, on the host (exactly, as a cast does),
            // which spares the step a native conversion and a second array.
            ByteBuffer batch = ByteBuffer.allocateDirect(values * 4 * idx.length).order(ByteOrder.nativeOrder());
            for (long i : idx) {
                // Absolute reads only: the shared shard buffers (little-endian since open) keep their position,
                // so gathers need no per-sample view of them.
                MappedByteBuffer shard = shards[(int) (i / shardSize)];
                int at = (int) ((i % shardSize) * recordBytes + offset);
                if (precision == Precision.FLOAT32) {
                    batch.put(batch.position(), shard, at, bytes).position(batch.position() + bytes);
                } else {
                    for (int k = 0; k < values; k++) {
                        batch.putFloat(halfToFloat(shard.getShort(at + 2 * k)));
                    }
                }
            }
            batch.rewind();
            NDArray stored = manager.create(batch, new Shape(idx.length).addAll(tap.getValue()), DataType.FLOAT32);
            stored.setName(tap.getKey());
            out.add(stored);
            offset += bytes;
        }
        return out;
    }

    /** An IEEE 754 half-precision value, widened exactly to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        if (exponent == 0x1f) { // infinity, or NaN with its payload
            return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign); // signed zero
            }
            // subnormal: mantissa x 2^-24, normal as a float
            exponent = 1;
            while ((mantissa & 0x400) == 0) {
                mantissa <<= 1;
                exponent--;
            }
            mantissa &= 0x3ff;
        }
        return Float.intBitsToFloat(sign | (exponent + 112) << 23 | mantissa << 13);
    }

    public int samples() {
        return samples;
    }

    /** The stored tensors and their shapes per sample, in record order. */
    public Map<String, Shape> taps() {
        return java.util.Collections.unmodifiableMap(taps);
    }

    public Precision precision() {
        return precision;
    }

    /** A key the writer noted, if present. */
    public java.util.Optional<String> note(String key) {
        return java.util.Optional.ofNullable(notes.get(key));
    }

    /** The folder. */
    public Path folder() {
        return dir;
    }

    /** The folder's total size in bytes (shards and manifest). */
    public long bytesOnDisk() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
