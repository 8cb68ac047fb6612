package io.distill4j.plugin.feature;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.distill4j.spi.FeaturePair;
import io.distill4j.testkit.FeatureAdapterContract;

/** The testkit's adapter contract for every built-in adapter. */
final class AdapterContractTests {
    private AdapterContractTests() {}

    static FeaturePair maps(NDManager m, long cs, long hs, long ct, long ht) {
        return FeaturePair.of(m.randomNormal(new Shape(2, cs, hs, hs)), m.randomNormal(new Shape(2, ct, ht, ht)));
    }
}

class Conv1x1ContractTest implements FeatureAdapterContract {
    @Override
    public String adapterName() {
        return "conv1x1";
    }

    @Override
    public FeaturePair sampleInputs(NDManager m) {
        return AdapterContractTests.maps(m, 4, 6, 8, 6);
    }
}

class BatchNormAdapterContractTest implements FeatureAdapterContract {
    @Override
    public String adapterName() {
        return "batchnorm";
    }

    @Override
    public FeaturePair sampleInputs(NDManager m) {
        return AdapterContractTests.maps(m, 8, 5, 8, 5);
    }
}

class ResizePoolContractTest implements FeatureAdapterContract {
    @Override
    public String adapterName() {
        return "resize";
    }

    @Override
    public FeaturePair sampleInputs(NDManager m) {
        return AdapterContractTests.maps(m, 4, 8, 4, 4);
    }
}

class ResizeRepeatContractTest implements FeatureAdapterContract {
    @Override
    public String adapterName() {
        return "resize";
    }

    @Override
    public String options() {
        return "to = student";
    }

    @Override
    public FeaturePair sampleInputs(NDManager m) {
        return AdapterContractTests.maps(m, 4, 8, 4, 4);
    }
}

class IdentityAdapterContractTest implements FeatureAdapterContract {
    @Override
    public String adapterName() {
        return "identity";
    }

    @Override
    public FeaturePair sampleInputs(NDManager m) {
        return AdapterContractTests.maps(m, 4, 5, 4, 5);
    }
}
