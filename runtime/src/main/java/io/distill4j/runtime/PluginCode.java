package io.distill4j.runtime;

import io.distill4j.runtime.plugin.PluginLoader;
import java.security.CodeSource;

/** How a failure inside a plugin's own code is told: what it threw, and the jar the code came from. */
final class PluginCode {
    private PluginCode() {}

    /** {@code "its code threw Type: message (plugin jar /path/x.jar)"}. */
    static String failure(Throwable e, Object pluginObject) {
        return "its code threw " + PluginLoader.describe(e) + " (" + where(pluginObject) + ")";
    }

    /** The jar or folder the object's class was loaded from. */
    static String where(Object pluginObject) {
        CodeSource cs = pluginObject.getClass().getProtectionDomain().getCodeSource();
        return cs == null || cs.getLocation() == null ? "class " + pluginObject.getClass().getName()
                : "plugin " + cs.getLocation().getPath() + ", class " + pluginObject.getClass().getName();
    }
}
