package io.distill4j.djl;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * libtorch's operator profiler around any stretch of code, written as a Chrome trace: what
 * {@link OpProfileListener} does for a window of training steps, for code that is not a DJL training
 * (a loss's forward and backward in {@code distill bench --op-profile}, say).
 *
 * <pre>{@code
 * OperatorProfiler.start();
 * ... // the operators to record
 * OperatorProfiler.stop(Path.of("op-profile.json"));
 * }</pre>
 *
 * <p>The profiler is one per process: one recording at a time. It records without input shapes, since
 * recording them slowed FGD's step 1.2-3x.
 */
public final class OperatorProfiler {
    private OperatorProfiler() {}

    /** Starts recording every operator and autograd node this process runs. */
    public static void start() {
        requirePyTorch();
        JniUtils.startProfile(false, false, false);
    }

    /**
     * @throws IllegalStateException when the default engine is not PyTorch, whose profiler this is: call
     *     it before the work to profile, to fail before it rather than in the middle
     */
    public static void requirePyTorch() {
        if (!"PyTorch".equals(Engine.getInstance().getEngineName())) {
            throw new IllegalStateException("the op profile reads libtorch's profiler; the engine is "
                    + Engine.getInstance().getEngineName());
        }
    }

    /**
     * Stops recording and writes the trace to {@code file} (replacing an older one) through a temporary
     * file beside it, so a reader never sees half a trace.
     */
    public static void stop(Path file) {
        Path part = stopToTemporary(file);
        try {
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the op profile " + file + ": " + e.getMessage(), e);
        }
    }

    /** Stops recording and throws the trace away. */
    public static void discard(Path file) {
        Path part = stopToTemporary(file);
        try {
            Files.delete(part);
        } catch (IOException e) {
            throw new UncheckedIOException("removing the op profile's temporary file " + part + ": " + e.getMessage(), e);
        }
    }

    private static Path stopToTemporary(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path part = Files.createTempFile(dir, file.getFileName().toString(), ".part");
            JniUtils.stopProfile(part.toString());
            return part;
        } catch (IOException e) {
            throw new UncheckedIOException("writing the op profile " + file + ": " + e.getMessage(), e);
        }
    }
}
