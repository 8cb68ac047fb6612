package io.distill4j.plugin.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.InvalidPairException;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.PartsBlock;
import io.distill4j.spi.PairSetup;
import io.distill4j.spi.Scalars;
import io.distill4j.spi.BatchInputs;
import java.util.Optional;

/**
 * FGD for one FPN level: {@code alpha*L_fg + beta*L_bg + gamma*L_at + lambda*L_rela} (docs/losses.md;
 * yzd-v/FGD {@code fgd.py}). The focal terms (fg, bg, attention) need ground-truth boxes; the global
 * relation term does not. A factory switches terms off by giving them a zero weight and no parts.
 */
final class Fgd implements DistillLoss {
    /** Batch input keys for the ground truth. */
    private static final String BOXES = BatchInputs.BOXES;
    private static final String IMAGE_SIZES = BatchInputs.IMAGE_SIZES;

    private final float temperature;
    private final float alpha;
    private final float beta;
    private final float gamma;
    private final float lambda;
    private final boolean focal;
    private final boolean global;
    private final boolean referenceTranspose;
    /** The align convolution (student's channels differ) and both GcBlocks (relation term on): 01align_weight, 02student_... */
    private final PartsBlock parts;
    private final Conv2d align;
    private final GcBlock gcStudent;
    private final GcBlock gcTeacher;

    Fgd(PairSetup setup, boolean focal, boolean global) {
        Shape s = setup.studentShape();
        Shape t = setup.teacherShape();
        if (s.dimension() != 4 || t.dimension() != 4 || s.get(0) != t.get(0) || s.get(2) != t.get(2) || s.get(3) != t.get(3)) {
            throw new InvalidPairException("needs feature maps (N, C, H, W) of the same batch and spatial size, got student "
                    + s + " and teacher " + t);
        }
        var o = setup.options();
        this.focal = focal;
        this.global = global;
        this.temperature = focal ? (float) o.getDouble("temperature") : 1f;
        this.alpha = focal ? (float) o.getDouble("alpha") : 0f;
        this.beta = focal ? (float) o.getDouble("beta") : 0f;
        this.gamma = focal ? (float) o.getDouble("gamma") : 0f;
        this.referenceTranspose = focal && o.getBoolean("reference-mask-transpose");
        this.lambda = global ? (float) o.getDouble("lambda") : 0f;
        int channels = (int) t.get(1);
        this.parts = new PartsBlock();
        this.align = s.get(1) == t.get(1) ? null
                : Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(channels).build();
        if (align != null) {
            parts.add("align", align, s);
        }
        this.gcStudent = global ? new GcBlock(channels) : null;
        this.gcTeacher = global ? new GcBlock(channels) : null;
        if (global) {
            parts.add("student", gcStudent, t).add("teacher", gcTeacher, t);
        }
    }

    @Override
    public NDArray compute(NDArray student, NDArray teacher, LossContext context) {
        NDArray s = align == null ? student : context.forward(align, new NDList(student)).singletonOrThrow();
        NDArray t = teacher.stopGradient();
        long n = s.getShape().get(0);
        NDArray loss = null;
        if (focal) {
            loss = focal(s, t, context);
        }
        if (global) {
            NDArray rela = Scalars.mul(context.forward(gcStudent, new NDList(s)).singletonOrThrow()
                    .sub(context.forward(gcTeacher, new NDList(t)).singletonOrThrow()).square().sum(), lambda / n);
            loss = loss == null ? rela : loss.add(rela);
        }
        return loss;
    }

    private NDArray focal(NDArray s, NDArray t, LossContext context) {
        Shape shape = s.getShape();
        int n = (int) shape.get(0);
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        NDArray[] attS = attention(s);
        NDArray[] attT = attention(t);
        NDArray spatialT = attT[0];
        NDArray channelT = attT[1];

        float[][] masks = FgdMasks.build(boxes(context, n), imageSizes(context, n), h, w, referenceTranspose);
        NDManager m = context.manager();
        NDArray maskFg = m.create(masks[0], new Shape(n, 1, h, w));
        NDArray maskBg = m.create(masks[1], new Shape(n, 1, h, w));

        // Both sides weighted by the teacher's attention, as the reference.
        NDArray weight = spatialT.reshape(n, 1, h, w).sqrt().mul(channelT.reshape(n, -1, 1, 1).sqrt());
        NDArray feaS = s.mul(weight);
        NDArray feaT = t.mul(weight);
        NDArray fgWeight = maskFg.sqrt();
        NDArray bgWeight = maskBg.sqrt();
        NDArray fg = feaS.mul(fgWeight).sub(feaT.mul(fgWeight)).square().sum();
        NDArray bg = feaS.mul(bgWeight).sub(feaT.mul(bgWeight)).square().sum();
        NDArray at = attS[1].sub(channelT).abs().sum().add(attS[0].sub(spatialT).abs().sum());
        return Scalars.mul(fg, alpha / n).add(Scalars.mul(bg, beta / n)).add(Scalars.mul(at, gamma / n));
    }

    /** {@code S = H*W * softmax_HW(mean_C |F| / T)} as {@code (N, H*W)}, and {@code C = C * softmax_C(mean_HW |F| / T)} as {@code (N, C)}. */
    private NDArray[] attention(NDArray f) {
        Shape shape = f.getShape();
        long n = shape.get(0);
        long c = shape.get(1);
        long hw = shape.get(2) * shape.get(3);
        NDArray value = f.abs().reshape(n, c, hw);
        NDArray spatial = Scalars.mul(Scalars.div(value.sum(new int[] {1}), c * temperature).softmax(1), hw);
        NDArray channel = Scalars.mul(Scalars.div(value.sum(new int[] {2}), hw * temperature).softmax(1), c);
        return new NDArray[] {spatial, channel};
    }

    private static float[][][] boxes(LossContext context, int n) {
        NDArray b = context.input(BOXES).orElseThrow(() -> new IllegalArgumentException(
                "needs ground-truth boxes ('" + BOXES + "', (N, B, 4) x1 y1 x2 y2 in pixels, zero rows as padding)"));
        Shape s = b.getShape();
        if (s.dimension() != 3 || s.get(0) != n || s.get(2) != 4) {
            throw new IllegalArgumentException("'" + BOXES + "' must have shape (" + n + ", B, 4), got " + s);
        }
        float[] flat = b.toType(DataType.FLOAT32, false).toFloatArray();
        int count = (int) s.get(1);
        float[][][] out = new float[n][count][4];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < count; j++) {
                System.arraycopy(flat, (i * count + j) * 4, out[i][j], 0, 4);
                for (float v : out[i][j]) {
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException("'" + BOXES + "' of image " + i + ", box " + j + " has a "
                                + v + " coordinate: " + java.util.Arrays.toString(out[i][j]));
                    }
                }
            }
        }
        return out;
    }

    private static float[][] imageSizes(LossContext context, int n) {
        NDArray a = context.input(IMAGE_SIZES).orElseThrow(() -> new IllegalArgumentException(
                "needs each image's size ('" + IMAGE_SIZES + "', (N, 2) height and width in pixels)"));
        if (!a.getShape().equals(new Shape(n, 2))) {
            throw new IllegalArgumentException("'" + IMAGE_SIZES + "' must have shape (" + n + ", 2), got " + a.getShape());
        }
        float[] flat = a.toType(DataType.FLOAT32, false).toFloatArray();
        float[][] out = new float[n][2];
        for (int i = 0; i < n; i++) {
            if (!(flat[2 * i] > 0 && flat[2 * i + 1] > 0)) {
                throw new IllegalArgumentException("image " + i + " has size " + flat[2 * i] + " x " + flat[2 * i + 1]);
            }
            out[i][0] = flat[2 * i];
            out[i][1] = flat[2 * i + 1];
        }
        return out;
    }

    @Override
    public Optional<Block> trainableBlock() {
        return parts.isEmpty() ? Optional.empty() : Optional.of(parts);
    }
}
