package io.distill4j.runtime.plugin;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;

/**
 * The class loader of one plugin (a jar, or a folder of jars).
 *
 * <p>Its parent is the platform loader, so a plugin sees the JDK and its own jars only, except the
 * packages it must share with the host to talk to it: the SPI, DJL (tensors cross the boundary) and
 * SLF4J (one logging setup). Everything else a plugin bundles (say its own Guava) stays private to
 * it, and the host's libraries stay invisible to it. Trino's PluginClassLoader is the model.
 */
final class PluginClassLoader extends URLClassLoader {
    static final List<String> SHARED_PACKAGES = List.of("io.distill4j.spi.", "ai.djl.", "org.slf4j.");

    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final ClassLoader host;

    PluginClassLoader(String name, URL[] urls, ClassLoader host) {
        super(name, urls, ClassLoader.getPlatformClassLoader());
        this.host = host;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isShared(name)) {
            return host.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        // SPI and DJL resources (the SPI version file, DJL's engine properties) come from the host.
        if (isShared(name.replace('/', '.'))) {
            return host.getResource(name);
        }
        return super.getResource(name);
    }

    @Override
    public java.util.Enumeration<URL> getResources(String name) throws java.io.IOException {
        // All of a shared package's resources come from the host, as its classes do.
        if (isShared(name.replace('/', '.'))) {
            return host.getResources(name);
        }
        return super.getResources(name);
    }

    static boolean isShared(String className) {
        for (String prefix : SHARED_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
