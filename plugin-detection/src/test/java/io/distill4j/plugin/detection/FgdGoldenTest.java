package io.distill4j.plugin.detection;

import io.distill4j.testkit.GoldenParityContract;

/**
 * Parity with the PyTorch reference (tools/golden/detection.py): loss, student gradient and the
 * gradients of the align convolution and both GcBlocks, on overlapping boxes, a zero-box image,
 * three FPN level sizes of a non-square image, clipped and degenerate boxes, and the transposed mask
 * layout of yzd-v/FGD before its commit c22b81d.
 */
class FgdGoldenTest implements GoldenParityContract {}
