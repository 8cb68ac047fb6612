package io.distill4j.spi;

/**
 * The names of a batch's inputs that the built-in losses read and the hosts provide, for
 * {@link LossContext#input(String)} and the {@code .npz} batch files of {@code distill eval}: one
 * spelling for plugins, the runtime, the tool and the testkit.
 *
 * @since 1.2
 */
public final class BatchInputs {
    /** Class targets: indices {@code (N)} or a soft / one-hot matrix {@code (N, K)}; also {@link LossContext#targets()}. */
    public static final String TARGETS = "targets";
    /** Ground-truth boxes {@code (N, B, 4)}: x1, y1, x2, y2 in input pixels; zero rows pad images with fewer boxes. */
    public static final String BOXES = "boxes";
    /** Each image's size {@code (N, 2)}: height, width in pixels, the frame of {@link #BOXES}. */
    public static final String IMAGE_SIZES = "image_sizes";
    /** The prefix of a random mask injected for one pair ({@link #mask(String)}), instead of drawing one. */
    @Experimental
    public static final String MASK_PREFIX = "mask.";

    private BatchInputs() {}

    /**
     * The input that replaces the random mask a loss would draw for {@code pairName} (MGD's), as
     * parity tests inject the reference's mask.
     * @param pairName the layer pair's name
     * @return the input that replaces the random mask a loss would draw for {@code pairName} (MGD's), as parity tests inject the reference's mask
     */
    @Experimental
    public static String mask(String pairName) {
        return MASK_PREFIX + pairName;
    }
}
