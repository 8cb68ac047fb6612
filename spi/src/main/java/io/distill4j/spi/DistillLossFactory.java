package io.distill4j.spi;

import java.util.List;
import java.util.Set;

/**
 * Creates one distillation method's loss for a layer pair. Registered with
 * {@code java.util.ServiceLoader} (for example {@code @AutoService(DistillLossFactory.class)}); needs
 * a public no-argument constructor and should do no work in it.
 *
 * <p>Modelled on DJL's {@code EngineProvider}: a name, a description of what it takes, and a create
 * method. The runtime validates options and shapes before calling {@link #create}.
 */
public interface DistillLossFactory {
    /**
     * The name experiments use in {@code type = ...}, unique across all loaded plugins, for
     * example {@code kd}. Lower case letters, digits and dashes.
     * @return the name experiments use in {@code type = ...}, unique across all loaded plugins, for example {@code kd}
     */
    String name();

    /**
     * One line describing the method, shown by {@code distill plugins}.
     *
     * @return one line describing the method, shown by {@code distill plugins}
     */
    default String description() {
        return "";
    }

    /**
     * Every option the loss reads; the runtime refuses keys not listed here.
     *
     * @return every option the loss reads; the runtime refuses keys not listed here
     */
    List<OptionSpec> options();

    /**
     * What the loss consumes, for example {@code LOGITS} and {@code TARGETS}.
     *
     * @return what the loss consumes, for example {@code LOGITS} and {@code TARGETS}
     */
    Set<LossInput> inputs();

    /**
     * Whether the student and teacher tensors must have equal shapes when they reach the loss
     * (after the pair's adapters). The runtime then refuses a mismatched pair at plan time.
     *
     * @return whether the student and teacher tensors must have equal shapes when they reach the loss (after the pair's adapters)
     */
    default boolean requiresEqualShapes() {
        return true;
    }

    /**
     * Creates the loss for one pair.
     *
     * @param setup the pair's name, validated options and tensor shapes
     * @return the configured loss
     * @throws InvalidPairException when the pair cannot be served (the message says why)
     */
    DistillLoss create(PairSetup setup);
}
