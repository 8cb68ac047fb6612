package io.distill4j.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.distill4j.runtime.InvalidInputException;
import org.junit.jupiter.api.Test;

/** {@code train.device}: what each setting picks with and without a GPU visible to the engine. */
class DeviceChoiceTest {
    @Test
    void autoPicksTheGpuOnlyWhenTheEngineSeesOne() {
        assertEquals(Device.gpu(), TrainJob.device("auto", 1));
        assertEquals(Device.cpu(), TrainJob.device("auto", 0));
    }

    @Test
    void cpuIsTheCpuEvenWithAGpu() {
        assertEquals(Device.cpu(), TrainJob.device("cpu", 2));
    }

    @Test
    void gpuWithoutOneIsAClearError() {
        assertEquals(Device.gpu(), TrainJob.device("gpu", 1));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TrainJob.device("gpu", 0));
        assertTrue(e.getMessage().contains("no GPU is visible to the engine (build with -Pcuda"), e.getMessage());
    }
}
