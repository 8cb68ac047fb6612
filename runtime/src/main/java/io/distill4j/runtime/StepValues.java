package io.distill4j.runtime;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Optional;

/**
 * A step's numbers on the host: the total, the task loss and every term raw and weighted, read from
 * the device once (on a GPU in one transfer). {@link Distiller#compute} reads them once per step (its
 * non-finite check needs the total anyway), and the loss's average, the step log and the epoch's
 * history all take them from {@link DistillResult#values()}: on a GPU each read is a synchronisation,
 * so a step with its logs costs one instead of one per consumer.
 */
public final class StepValues {
    private final float total;
    private final float task;
    private final boolean hasTask;
    private final float[] raw;
    private final float[] weighted;

    private StepValues(float total, boolean hasTask, float task, float[] raw, float[] weighted) {
        this.total = total;
        this.hasTask = hasTask;
        this.task = task;
        this.raw = raw;
        this.weighted = weighted;
    }

    /**
     * Reads the total, the task loss (if any) and every term of a step: on a GPU in one stack and one
     * transfer (each transfer is a synchronisation); on the CPU each value's four bytes directly, which
     * is cheaper there than a stack (a new array and an autograd node for values nobody differentiates).
     */
    public static StepValues read(NDArray total, Optional<NDArray> taskLoss, List<TermResult> terms) {
        int n = terms.size();
        NDList scalars = new NDList(2 + 2 * n);
        scalars.add(scalar(total));
        taskLoss.ifPresent(t -> scalars.add(scalar(t)));
        for (TermResult t : terms) {
            scalars.add(scalar(t.raw()));
        }
        for (TermResult t : terms) {
            scalars.add(scalar(t.weighted()));
        }
        float[] v;
        if (total.getDevice().getDeviceType().equals(Device.Type.CPU)) {
            v = new float[scalars.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = scalars.get(i).toFloatArray()[0];
            }
        } else {
            v = NDArrays.stack(scalars).toFloatArray();
        }
        int at = taskLoss.isPresent() ? 2 : 1;
        return new StepValues(v[0], taskLoss.isPresent(), taskLoss.isPresent() ? v[1] : Float.NaN,
                java.util.Arrays.copyOfRange(v, at, at + n), java.util.Arrays.copyOfRange(v, at + n, at + 2 * n));
    }

    /** Reads the numbers of a result that came without them. */
    public static StepValues read(DistillResult r) {
        return read(r.total(), r.taskLoss(), r.terms());
    }

    /** A one-element value as a 0-d float32 array, converted only where it is not one already. */
    private static NDArray scalar(NDArray value) {
        NDArray s = value.getShape().dimension() == 0 ? value : value.reshape(new Shape());
        return s.getDataType() == DataType.FLOAT32 ? s : s.toType(DataType.FLOAT32, false);
    }

    /** The total, as backward sees it. */
    public float total() {
        return total;
    }

    /** Whether the step had a task loss. */
    public boolean hasTaskLoss() {
        return hasTask;
    }

    /** The task loss, unweighted; NaN when the step had none. */
    public float taskLoss() {
        return task;
    }

    /** How many terms the step had, in plan order. */
    public int terms() {
        return raw.length;
    }

    /** Term {@code i}'s value as its loss computed it. */
    public float raw(int i) {
        return raw[i];
    }

    /** Term {@code i}'s contribution to the total (zero when it was skipped). */
    public float weighted(int i) {
        return weighted[i];
    }
}
