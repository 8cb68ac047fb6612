package io.distill4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.distill4j.runtime.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stored teacher outputs: what goes in comes out by index, every mismatch is refused, and a distillation block reads them as the live teacher's. */
class TeacherOutputsTest {
    @TempDir
    Path tmp;

    private static final Map<String, String> TEACHER = Map.of("", "sum-of-the-teacher");

    private static Block net(int out) {
        return new SequentialBlock().add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(out).build());
    }

    /** Logits (10, 3) and a feature (10, 2, 2) of ten samples, written in two appends into shards of four. */
    private Path write(NDManager m, NDArray logits, NDArray feature, TeacherOutputs.Precision p) throws IOException {
        Path dir = tmp.resolve("outputs-" + p);
        Map<String, Shape> taps = new LinkedHashMap<>();
        taps.put("logits", new Shape(3));
        taps.put("feat", new Shape(2, 2));
        try (TeacherOutputs.Writer w = TeacherOutputs.writer(dir, taps, p, 4, "data-1", TEACHER)) {
            w.note("accuracy", "0.5");
            w.append(new NDList(logits.get("0:6"), feature.get("0:6")));
            w.append(new NDList(logits.get("6:"), feature.get("6:")));
            w.commit();
        }
        return dir;
    }

    @Test
    void samplesComeBackByIndexInAnyOrderAcrossShards() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.randomNormal(new Shape(10, 3));
            NDArray feature = m.randomNormal(new Shape(10, 2, 2));
            Path dir = write(m, logits, feature, TeacherOutputs.Precision.FLOAT32);
            TeacherOutputs cache = TeacherOutputs.open(dir);
            assertEquals(10, cache.samples());
            assertEquals(3, Files.list(dir).filter(f -> f.toString().endsWith(".bin")).count(), "shards of 4, 4, 2");
            assertEquals("0.5", cache.note("accuracy").orElseThrow());
            NDArray idx = m.create(new int[] {7, 2, 9, 2});
            NDList got = cache.gather(m, idx);
            assertArrayEquals(logits.get(idx).toFloatArray(), got.get(0).toFloatArray(), "bit-identical float32");
            assertArrayEquals(feature.get(idx).toFloatArray(), got.get(1).toFloatArray());
            assertEquals(new Shape(4, 2, 2), got.get(1).getShape());
            assertEquals("feat", got.get(1).getName());
            // 10 samples x (3 + 4) floats x 4 bytes in the shards, plus the manifest
            assertTrue(cache.bytesOnDisk() > 280 && cache.bytesOnDisk() < 2000, "size " + cache.bytesOnDisk());

            TeacherOutputs half = TeacherOutputs.open(write(m, logits, feature, TeacherOutputs.Precision.FLOAT16));
            NDArray rounded = logits.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false);
            assertArrayEquals(rounded.get(idx).toFloatArray(), half.gather(m, idx).get(0).toFloatArray(),
                    "float16: the teacher's values rounded to half precision, read back as float32");
            assertEquals(DataType.FLOAT32, half.gather(m, idx).get(0).getDataType());
            InvalidInputException outside = assertThrows(InvalidInputException.class, () -> cache.gather(m, m.create(new int[] {10})));
            assertTrue(outside.getMessage().contains("sample 10 is not in these teacher outputs (0 to 9)"), outside.getMessage());
        }
    }

    /** The gather fills one reused buffer per thread: every array it returned must own its values. */
    @Test
    void laterGathersLeaveEarlierBatchesIntact() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.randomNormal(new Shape(10, 3));
            NDArray feature = m.randomNormal(new Shape(10, 2, 2));
            TeacherOutputs cache = TeacherOutputs.open(write(m, logits, feature, TeacherOutputs.Precision.FLOAT32));
            NDArray first = m.create(new long[] {0, 1, 2, 3});
            NDList kept = cache.gather(m, first);
            // A batch of the same size over other samples (it reuses the buffer), then a larger one (it grows it).
            cache.gather(m, m.create(new long[] {9, 8, 7, 6}));
            cache.gather(m, m.create(new long[] {9, 8, 7, 6, 5, 4, 3, 2}));
            assertArrayEquals(logits.get(first).toFloatArray(), kept.get(0).toFloatArray());
            assertArrayEquals(feature.get(first).toFloatArray(), kept.get(1).toFloatArray());
        }
    }

    @Test
    void everyHalfPrecisionValueWidensOnTheHostExactlyAsPyTorchCastsIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            short[] all = new short[1 << 16];
            for (int i = 0; i < all.length; i++) {
                all[i] = (short) i;
            }
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(2 * all.length).order(java.nio.ByteOrder.nativeOrder());
            bytes.asShortBuffer().put(all);
            float[] torch = m.create(bytes, new Shape(all.length), DataType.FLOAT16).toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < all.length; i++) {
                float host = TeacherOutputs.halfToFloat(all[i]);
                // NaN is NaN either way (its payload is not a value); everything else to the bit, zeros' signs included
                assertTrue(Float.isNaN(torch[i]) ? Float.isNaN(host) : Float.floatToRawIntBits(torch[i]) == Float.floatToRawIntBits(host),
                        String.format("half 0x%04x: PyTorch %s, host %s", i, torch[i], host));
            }
        }
    }

    @Test
    void anotherDatasetTeacherOrTapAndADamagedShardAreRefusedWithOneLine() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path dir = write(m, m.randomNormal(new Shape(10, 3)), m.randomNormal(new Shape(10, 2, 2)), TeacherOutputs.Precision.FLOAT32);
            TeacherOutputs cache = TeacherOutputs.open(dir);
            cache.check("data-1", TEACHER, Map.of("logits", new Shape(3)));
            assertRefused(() -> cache.check("data-2", TEACHER, Map.of()), "of other data (fingerprint data-1, this run's data-2)");
            assertRefused(() -> cache.check("data-1", Map.of("", "another"), Map.of()), "of another teacher");
            assertRefused(() -> cache.check("data-1", TEACHER, Map.of("stage3", new Shape(3))),
                    "needs the teacher's 'stage3', which these outputs do not hold (they hold logits, feat)");
            assertRefused(() -> cache.check("data-1", TEACHER, Map.of("feat", new Shape(2, 3))), "tap 'feat' is (2, 2) per sample");

            Path shard = dir.resolve("shard-00001.bin");
            byte[] whole = Files.readAllBytes(shard);
            Files.write(shard, java.util.Arrays.copyOf(whole, whole.length - 4));
            assertRefused(() -> TeacherOutputs.open(dir), "shard-00001.bin: " + (whole.length - 4) + " bytes, expected " + whole.length);
            whole[5] ^= 1;
            Files.write(shard, whole);
            assertRefused(() -> TeacherOutputs.open(dir), "shard-00001.bin: its checksum does not match the manifest");
            Files.delete(shard);
            assertRefused(() -> TeacherOutputs.open(dir), "shard-00001.bin: missing shard");
            assertRefused(() -> TeacherOutputs.open(tmp.resolve("nowhere")), "no teacher outputs here");
        }
    }

    private static void assertRefused(org.junit.jupiter.api.function.Executable e, String expected) {
        InvalidInputException x = assertThrows(InvalidInputException.class, e);
        assertTrue(x.getMessage().contains(expected), x.getMessage());
        assertFalse(x.getMessage().contains("\n"), "one line: " + x.getMessage());
    }

    @Test
    void aWriterClosedWithoutCommitLeavesNothingAndACommitReplacesTheOldCache() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path dir = tmp.resolve("partial");
            try (TeacherOutputs.Writer w = TeacherOutputs.writer(dir, Map.of("logits", new Shape(3)),
                    TeacherOutputs.Precision.FLOAT32, 4, "d", TEACHER)) {
                w.append(new NDList(m.ones(new Shape(5, 3))));
                // the job fails here: no commit
            }
            assertFalse(Files.exists(dir));
            assertEquals(0, Files.list(tmp).count(), "no temporary folder left behind");

            Path cache = write(m, m.zeros(new Shape(10, 3)), m.zeros(new Shape(10, 2, 2)), TeacherOutputs.Precision.FLOAT32);
            write(m, m.ones(new Shape(10, 3)), m.ones(new Shape(10, 2, 2)), TeacherOutputs.Precision.FLOAT32);
            assertEquals(1f, TeacherOutputs.open(cache).gather(m, m.create(new int[] {3})).get(0).getFloat(0, 0));
            assertEquals(1, Files.list(tmp).count(), "the old cache is gone, nothing else beside it");
        }
    }

    @Test
    void aDistillationBlockReadsStoredOutputsAsItWouldRunTheTeacher() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape input = new Shape(4, 1, 4, 4);
            Block teacher = net(3);
            teacher.initialize(m, DataType.FLOAT32, input);
            NDArray x = m.randomUniform(0, 1, new Shape(10, 1, 4, 4));
            NDArray logits = teacher.forward(new ParameterStore(m, false), new NDList(x), false).head();
            Path dir = tmp.resolve("cache");
            try (TeacherOutputs.Writer w = TeacherOutputs.writer(dir, Map.of("logits", new Shape(3)),
                    TeacherOutputs.Precision.FLOAT32, 4, "d", TEACHER)) {
                w.append(new NDList(logits));
                w.commit();
            }
            String kd = "{ name = logits, student = logits, teacher = logits, losses = [ { type = kd, weight = 0.5 } ] }";
            Engine.getInstance().setRandomSeed(5);
            DistillationBlock live = new DistillationBlock(DistillationTrainingTest.plan(kd), TappedModel.of(net(3)),
                    TappedModel.of(teacher));
            live.initialize(m, DataType.FLOAT32, input);
            CachedTeacher cached = new CachedTeacher(TeacherOutputs.open(dir));
            Engine.getInstance().setRandomSeed(5);
            DistillationBlock offline = new DistillationBlock(DistillationTrainingTest.plan(kd), TappedModel.of(net(3)),
                    TappedModel.of(cached, cached.names()));
            offline.initialize(m, DataType.FLOAT32, input, new Shape(4));

            NDArray idx = m.create(new int[] {8, 1, 5, 3});
            NDList a = live.forward(new ParameterStore(m, false), new NDList(x.get(idx)), false);
            NDList b = offline.forward(new ParameterStore(m, false), new NDList(x.get(idx), idx), false);
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i).toFloatArray(), b.get(i).toFloatArray(), "output " + i + ": the student sees the"
                        + " images alone, the teacher's part is the stored one");
            }
        }
    }
}
