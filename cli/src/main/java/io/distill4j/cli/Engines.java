package io.distill4j.cli;

/** Engine and logging defaults the CLI sets before DJL starts (each overridable with -D). */
public final class Engines {
    private Engines() {}

    public static void configureDefaults() {
        // Never download: the native library comes from the class path (Maven Central).
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.default_engine", "PyTorch");
        setIfAbsent("java.awt.headless", "true"); // the shapes dataset and the charts draw off screen
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        // DJL warns about CUDA on every CPU-only start; it is not the user's concern.
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        // Hadoop (under the Parquet reader) warns that its optional native library is absent; the Java code paths read the same.
        setIfAbsent("org.slf4j.simpleLogger.log.org.apache.hadoop.util.NativeCodeLoader", "error");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
