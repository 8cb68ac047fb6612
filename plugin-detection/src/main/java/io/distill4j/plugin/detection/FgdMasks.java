package io.distill4j.plugin.detection;

/**
 * FGD's foreground and background masks for one feature level, built on the CPU.
 *
 * <p>Each box {@code (x1, y1, x2, y2)} in input pixels is clipped to its image, scaled to the map
 * ({@code x * W / img_w}, {@code y * H / img_h}), and covers the inclusive cells
 * {@code floor(min)..ceil(max)} (clipped to the map), each with {@code 1 / (rows * cols)} of that
 * range; overlapping boxes keep the maximum. A box of zero width or height (after clipping) marks
 * nothing, so zero rows pad a batch's box tensor. The background mask is 1 where the foreground is 0,
 * divided by its sum when that is not zero.
 *
 * <p>The geometric mask is yzd-v/FGD's since its commit c22b81d (2022-01-04, "fix bug").
 * {@code referenceTranspose} reproduces its indexing before that commit, which filled the rows with
 * the box's x-range and the columns with its y-range (a transposed box unless it is square on a
 * square map).
 */
final class FgdMasks {
    private FgdMasks() {}

    /**
     * @param boxes {@code [N][B][4]} boxes per image, x1 y1 x2 y2 in pixels
     * @param imageSizes {@code [N][2]} each image's height and width in pixels
     * @param h the map's height
     * @param w the map's width
     * @param referenceTranspose fill as the reference does (see above)
     * @return {@code [2][N*H*W]}: the foreground mask, then the background mask
     */
    static float[][] build(float[][][] boxes, float[][] imageSizes, int h, int w, boolean referenceTranspose) {
        int n = boxes.length;
        float[] fg = new float[n * h * w];
        float[] bg = new float[n * h * w];
        for (int i = 0; i < n; i++) {
            float imgH = imageSizes[i][0];
            float imgW = imageSizes[i][1];
            int base = i * h * w;
            for (float[] box : boxes[i]) {
                float x1 = clamp(box[0], imgW);
                float y1 = clamp(box[1], imgH);
                float x2 = clamp(box[2], imgW);
                float y2 = clamp(box[3], imgH);
                if (!(x2 > x1) || !(y2 > y1)) {
                    continue; // degenerate, or padding
                }
                int wmin = (int) Math.floor(x1 / imgW * w);
                int wmax = (int) Math.ceil(x2 / imgW * w);
                int hmin = (int) Math.floor(y1 / imgH * h);
                int hmax = (int) Math.ceil(y2 / imgH * h);
                float area = 1f / (hmax + 1 - hmin) / (wmax + 1 - wmin);
                // Rows take the y-range (the x-range in the reference), columns the other.
                int rowMin = referenceTranspose ? wmin : hmin;
                int rowMax = Math.min(referenceTranspose ? wmax : hmax, h - 1);
                int colMin = referenceTranspose ? hmin : wmin;
                int colMax = Math.min(referenceTranspose ? hmax : wmax, w - 1);
                for (int r = rowMin; r <= rowMax; r++) {
                    for (int c = colMin; c <= colMax; c++) {
                        int k = base + r * w + c;
                        fg[k] = Math.max(fg[k], area);
                    }
                }
            }
            float bgSum = 0;
            for (int k = base; k < base + h * w; k++) {
                bg[k] = fg[k] > 0 ? 0f : 1f;
                bgSum += bg[k];
            }
            if (bgSum > 0) {
                for (int k = base; k < base + h * w; k++) {
                    bg[k] /= bgSum;
                }
            }
        }
        return new float[][] {fg, bg};
    }

    private static float clamp(float v, float max) {
        return Math.max(0f, Math.min(v, max));
    }
}
