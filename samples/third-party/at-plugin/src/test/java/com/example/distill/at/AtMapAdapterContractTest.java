package com.example.distill.at;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill4j.spi.FeaturePair;
import io.distill4j.testkit.FeatureAdapterContract;

/** The adapter contract the built-in adapters pass, with student and teacher of different channel counts. */
class AtMapAdapterContractTest implements FeatureAdapterContract {
    @Override
    public String adapterName() {
        return "at-map";
    }

    @Override
    public FeaturePair sampleInputs(NDManager m) {
        return FeaturePair.of(m.randomNormal(new Shape(4, 8, 6, 6)), m.randomNormal(new Shape(4, 16, 6, 6)));
    }
}
