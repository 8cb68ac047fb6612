package io.distill4j.djl;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.nio.file.Path;

/**
 * Records libtorch's operator profiler over a window of training steps and writes it as a Chrome
 * trace (open it in {@code chrome://tracing} or Perfetto; {@code tools/bench/op_profile.py} sums it per
 * operator). Every ATen operator and autograd node the steps run is one event, with its duration, so
 * the trace says where a step's time goes and how much of it lies between operators, in the Java code.
 * It is libtorch's own (legacy CPU) profiler; PyTorch's {@code torch.profiler} records the same
 * operators and nodes through its Kineto successor, so a PyTorch loop's trace of the same steps
 * compares operator by operator.
 *
 * <pre>{@code
 * config.addTrainingListeners(new OpProfileListener(Path.of("op-profile.json"), 100, 20)); // steps 100-119
 * }</pre>
 *
 * <p>The window is counted in training batches from the start of this training. It opens after step
 * {@code firstStep - 1}'s backward, before its optimizer update, so it holds exactly {@code steps}
 * forward, backward and update passes (from step 1 it opens when training begins, and holds one update
 * fewer); epochs' evaluations inside it are recorded too. A training that
 * ends inside the window writes what was recorded; one that ends before it writes nothing. The profiler is one per process: profile one
 * training at a time. Profiling slows the small operators down (a few microseconds each), not the large
 * kernels; time a run without it.
 */
public final class OpProfileListener extends TrainingListenerAdapter {
    private final Path file;
    private final long firstStep;
    private final int steps;
    private long step;
    private boolean recording;
    private boolean written;

    /**
     * @param file where the trace goes, written when the window closes (replacing an older one)
     * @param firstStep the first profiled training step, counting from 1
     * @param steps how many steps to profile
     */
    public OpProfileListener(Path file, long firstStep, int steps) {
        if (firstStep < 1 || steps < 1) {
            throw new IllegalArgumentException("op profile window: the first step " + firstStep + " and the number of steps "
                    + steps + " must be at least 1");
        }
        this.file = file;
        this.firstStep = firstStep;
        this.steps = steps;
    }

    @Override
    public void onTrainingBegin(Trainer trainer) {
        OperatorProfiler.requirePyTorch();
        if (firstStep == 1) {
            start(); // before the first forward: the window then holds one update fewer
        }
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        step++;
        // The batch's forward and backward are done and its update comes next: start here, and the window
        // is whole steps, each update included.
        if (step == firstStep - 1) {
            start();
        }
        if (step == firstStep - 1 + steps) {
            stop();
        }
    }

    @Override
    public void onTrainingEnd(Trainer trainer) {
        stop();
    }

    /** Whether the trace is on disk (false while the window has not closed, or if it never opened). */
    public boolean written() {
        return written;
    }

    private void start() {
        if (!recording && !written) {
            OperatorProfiler.start();
            recording = true;
        }
    }

    private void stop() {
        if (!recording) {
            return;
        }
        recording = false;
        if (step < firstStep) {
            // Opened after the last step (training ended before the window's first forward): nothing of it ran.
            OperatorProfiler.discard(file);
            return;
        }
        OperatorProfiler.stop(file);
        written = true;
    }
}
