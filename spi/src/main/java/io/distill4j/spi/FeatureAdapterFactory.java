package io.distill4j.spi;

import java.util.List;

/**
 * Creates a feature adapter for a layer pair. Registered with {@code java.util.ServiceLoader}, like
 * {@link DistillLossFactory}, under a name experiments use in a pair's {@code adapters} list.
 */
public interface FeatureAdapterFactory {
    /**
     * The name experiments use in {@code type = ...}, for example {@code conv1x1}.
     *
     * @return the name experiments use in {@code type = ...}, for example {@code conv1x1}
     */
    String name();

    /**
     * One line describing the adapter, shown by {@code distill plugins}.
     *
     * @return one line describing the adapter, shown by {@code distill plugins}
     */
    default String description() {
        return "";
    }

    /**
     * Every option the adapter reads; the runtime refuses keys not listed here.
     *
     * @return every option the adapter reads; the runtime refuses keys not listed here
     */
    List<OptionSpec> options();

    /**
     * Creates the adapter for one pair.
     *
     * @param setup the pair's name, validated options and the shapes reaching this adapter
     * @return the configured adapter
     * @throws InvalidPairException when the pair cannot be served (the message says why)
     */
    FeatureAdapter create(PairSetup setup);
}
