package io.distill4j.plugin.feature;

import io.distill4j.testkit.GoldenParityContract;

/**
 * Parity with the PyTorch reference (tools/golden/features.py): loss, student gradient and the
 * gradient of every trainable part, for each loss and adapter chain, and the multi-task recipe's five-level
 * multi-task FeatureLoss.
 */
class FeatureGoldenTest implements GoldenParityContract {}
