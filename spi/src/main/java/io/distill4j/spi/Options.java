package io.distill4j.spi;

import java.util.Set;

/**
 * A read-only view of one configured loss's or adapter's options: the experiment's values over
 * the plugin's {@code reference.conf} defaults, already validated against the factory's
 * {@link OptionSpec}s.
 *
 * <p>Getters throw {@link OptionException} (naming the key and its origin) when a key is missing or
 * of the wrong type, which cannot happen for keys declared in the factory's specs.
 */
public interface Options {
    /**
     * Whether the key has a value.
     *
     * @param key the option's name
     * @return whether the key has a value
     */
    boolean has(String key);

    /**
     * The keys that have values.
     *
     * @return the keys that have values
     */
    Set<String> keys();

    /**
     * The value of a number option.
     *
     * @param key the option's name
     * @return the value of a number option
     */
    double getDouble(String key);

    /**
     * The value of a whole-number option.
     *
     * @param key the option's name
     * @return the value of a whole-number option
     */
    int getInt(String key);

    /**
     * The value of a boolean option.
     *
     * @param key the option's name
     * @return the value of a boolean option
     */
    boolean getBoolean(String key);

    /**
     * The value of a text or choice option.
     *
     * @param key the option's name
     * @return the value of a text or choice option
     */
    String getString(String key);

    /**
     * Where the key's value came from, for messages: {@code file:line} for a file, or a
     * description such as {@code "reference.conf of plugin-logits"}.
     * @param key the option's name
     * @return where the key's value came from, for messages: {@code file:line} for a file, or a description such as {@code "reference.conf of plugin-logits"}
     */
    String origin(String key);
}
