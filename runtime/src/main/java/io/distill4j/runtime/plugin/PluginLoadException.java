package io.distill4j.runtime.plugin;

import io.distill4j.runtime.Distill4jException;
import io.distill4j.runtime.config.Problem;
import java.util.List;

/** A plugin that cannot be loaded; the message names its jar or folder first. */
public class PluginLoadException extends Distill4jException {
    private static final long serialVersionUID = 1L;
    private final String location;

    /**
     * @param location the jar or folder of the plugin
     * @param message what is wrong with it
     */
    public PluginLoadException(String location, String message) {
        super(Kind.BAD_INPUT, List.of(Problem.at(location, message)));
        this.location = location;
    }

    /** The jar or folder of the plugin. */
    public String location() {
        return location;
    }
}
