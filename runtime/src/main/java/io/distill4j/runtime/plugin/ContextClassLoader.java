package io.distill4j.runtime.plugin;

import java.util.function.Supplier;

/**
 * Runs plugin code with the thread context class loader set to the plugin's own loader, as Trino
 * does around every call into a plugin: libraries a plugin bundles that look classes or resources up
 * through the context loader (ServiceLoader, JAXB, many loggers' backends) then find the plugin's,
 * not the host's. The previous loader is restored afterwards.
 */
public final class ContextClassLoader {
    private ContextClassLoader() {}

    /** Calls {@code work} with the context loader of the plugin that defined {@code pluginObject}'s class. */
    public static <T> T call(Object pluginObject, Supplier<T> work) {
        return call(pluginObject.getClass().getClassLoader(), work);
    }

    /** Calls {@code work} with {@code loader} as the thread's context class loader. */
    public static <T> T call(ClassLoader loader, Supplier<T> work) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        if (previous == loader || loader == null) {
            return work.get();
        }
        thread.setContextClassLoader(loader);
        try {
            return work.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
