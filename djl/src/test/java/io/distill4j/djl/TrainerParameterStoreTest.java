package io.distill4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.distill4j.runtime.DistillBatch;
import io.distill4j.runtime.Distiller;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SPI 1.2: trainable parts read their parameters through the step's store, a Trainer's when there is one. */
class TrainerParameterStoreTest {
    /** A store that remembers which parameters were asked for. */
    static final class CountingStore extends ParameterStore {
        final Set<Parameter> asked = new HashSet<>();

        CountingStore(NDManager manager) {
            super(manager, false);
        }

        @Override
        public NDArray getValue(Parameter parameter, Device device, boolean training) {
            asked.add(parameter);
            return super.getValue(parameter, device, training);
        }
    }

    @Test
    void adaptersAndGeneratorsReadTheirParametersThroughTheBatchsStore() {
        try (NDManager m = NDManager.newBaseManager()) {
            Distiller distiller = Distiller.create(DistillationTrainingTest.plan(
                    "{ name = feat, student = feat, teacher = feat, adapters = [ { type = conv1x1 } ],"
                    + "  losses = [ { type = mimic }, { type = mgd, alpha = 1e-3 } ] }"),
                    Map.of("feat", new Shape(2, 4, 6, 6)), Map.of("feat", new Shape(2, 8, 6, 6)));
            distiller.initialize(m, DataType.FLOAT32);
            Set<Parameter> parts = new HashSet<>(distiller.trainableParts().namedParameters().values());
            assertTrue(distiller.trainableParts().namedParameters().keySet().stream().anyMatch(k -> k.contains("mgd")));

            CountingStore store = new CountingStore(m);
            NDArray total = distiller.compute(DistillBatch.builder(m).student("feat", m.randomNormal(new Shape(2, 4, 6, 6)))
                    .teacher("feat", m.randomNormal(new Shape(2, 8, 6, 6))).parameterStore(store).build()).total();
            assertEquals(parts, store.asked, "every conv1x1 and MGD generator parameter came from the store");

            // Without a store the parts read what they hold, to the same value.
            NDArray again = distiller.compute(DistillBatch.builder(m).student("feat", m.zeros(new Shape(2, 4, 6, 6)))
                    .teacher("feat", m.zeros(new Shape(2, 8, 6, 6))).build()).total();
            assertFalse(Float.isNaN(again.getFloat()));
            assertTrue(total.getFloat() > 0);
        }
    }
}
