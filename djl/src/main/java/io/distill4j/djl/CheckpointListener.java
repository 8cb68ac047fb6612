package io.distill4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import io.distill4j.runtime.Checksums;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.OutputPaths;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Writes a checkpoint after every epoch, and resumes from the last complete one as if the run had
 * never stopped: the student and the distillation's parts (every parameter of the trained block,
 * batch-norm statistics included), the optimizer's momentum buffers and the step and epoch.
 *
 * <p>Each checkpoint is written to a temporary folder renamed into place ({@code epoch-NNN}), so
 * none is ever half-written. It holds {@code parameters.ndlist} (every array of the block, by
 * parameter name, which is stable across processes), {@code optimizer.ndlist},
 * {@code state.properties} (epoch, step and the caller's {@link #note notes}) and
 * {@code student.params}: the student alone in DJL's parameter format, what
 * {@code student.loadParameters} reads, without the distillation's parts or any teacher.
 *
 * <pre>{@code
 * CheckpointableSgd sgd = CheckpointableSgd.of(0.05f, 0.9f, 0);
 * CheckpointListener checkpoints = new CheckpointListener(Path.of("checkpoints"), block, sgd);
 * // config.optOptimizer(sgd).addTrainingListeners(new DistillationListener(block), checkpoints)
 * trainer.initialize(inputShape);
 * int done = checkpoints.resume(trainer.getManager());   // 0 when there is no checkpoint yet
 * EasyTrain.fit(trainer, epochs - done, train, validate);
 * }</pre>
 *
 * <p>The batch order is the dataset's: a sampler that depends on the epoch (not on how many epochs
 * this process has run) resumes exactly.
 */
public final class CheckpointListener extends TrainingListenerAdapter {
    private static final String PARAMETERS = "parameters.ndlist";
    private static final String OPTIMIZER = "optimizer.ndlist";
    private static final String STATE = "state.properties";
    /** The student alone, in DJL's own parameter format: the exportable model of each epoch. */
    public static final String STUDENT = "student.params";

    private final Path dir;
    private final DistillationBlock block;
    private final CheckpointableSgd optimizer;
    private int completedEpochs;
    private final Properties notes = new Properties();
    private String fingerprint;
    private static final String FINGERPRINT = "fingerprint";

    /**
     * @param dir the checkpoint folder; created when missing
     * @throws InvalidInputException naming the folder when it is a file or cannot be created, before training
     */
    public CheckpointListener(Path dir, DistillationBlock block, CheckpointableSgd optimizer) {
        this.dir = dir;
        this.block = block;
        this.optimizer = optimizer;
        OutputPaths.folder(dir, "the checkpoint folder");
    }

    /**
     * What the checkpoints are of (for example a hash of the resolved experiment and its data):
     * written into each, and on {@link #resume} a checkpoint of anything else is refused, so a run
     * never continues another run's training.
     */
    public CheckpointListener fingerprint(String planFingerprint) {
        this.fingerprint = planFingerprint;
        notes.setProperty(FINGERPRINT, planFingerprint);
        return this;
    }

    /**
     * A fact written to every checkpoint's {@code state.properties}, for whoever reads the checkpoint
     * later (for example the number of classes, so an exporter rebuilds the right head).
     */
    public CheckpointListener note(String key, String value) {
        if (key.equals("epoch") || key.equals("step") || key.equals(FINGERPRINT)) {
            throw new IllegalArgumentException("'" + key + "' is the checkpoint's own; note something else");
        }
        notes.setProperty(key, value);
        return this;
    }

    @Override
    public void onEpoch(Trainer trainer) {
        completedEpochs++;
        try {
            save(completedEpochs, block.progress().step());
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the checkpoint of epoch " + completedEpochs, e);
        }
    }

    private void save(int epoch, long step) throws IOException {
        Path tmp = Files.createTempDirectory(dir, ".epoch-" + epoch + "-");
        NDList params = new NDList();
        for (var p : block.getParameters()) {
            NDArray a = p.getValue().getArray().duplicate();
            a.setName(p.getKey());
            params.add(a);
        }
        try (OutputStream out = Files.newOutputStream(tmp.resolve(PARAMETERS))) {
            params.encode(out);
        }
        params.close();
        optimizer.save(block.getParameters(), tmp.resolve(OPTIMIZER));
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(
                new java.io.BufferedOutputStream(Files.newOutputStream(tmp.resolve(STUDENT))))) {
            block.student().inner().saveParameters(out);
        }
        Properties state = new Properties();
        state.putAll(notes);
        state.setProperty("epoch", Integer.toString(epoch));
        state.setProperty("step", Long.toString(step));
        try (OutputStream out = Files.newOutputStream(tmp.resolve(STATE))) {
            state.store(out, "distill4j checkpoint");
        }
        // Written last: a folder with its manifest was completely saved, and every byte is checked on resume.
        Checksums.writeManifest(tmp, List.of(PARAMETERS, OPTIMIZER, STUDENT, STATE));
        Path target = dir.resolve(String.format("epoch-%03d", epoch));
        if (Files.exists(target)) {
            deleteTree(target);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Restores the last complete checkpoint into the initialised block (after
     * {@code trainer.initialize}), in place, so the Trainer trains the restored values.
     *
     * @return the number of epochs the checkpoint had completed; 0 when there is none
     * @throws InvalidInputException naming the file when a checkpoint is unreadable or does not fit the block
     */
    public int resume(NDManager manager) {
        removeLeftovers(dir);
        java.util.Optional<Path> found = latest(dir);
        if (found.isEmpty()) {
            return 0;
        }
        Path last = found.get();
        Properties state = verified(last, fingerprint);
        int epoch = number(state, "epoch", last, 1, Integer.MAX_VALUE).intValue();
        long step = number(state, "step", last, 0, Long.MAX_VALUE).longValue();
        Map<String, Parameter> byName = new HashMap<>();
        block.getParameters().forEach(p -> byName.put(p.getKey(), p.getValue()));
        Path file = last.resolve(PARAMETERS);
        try (NDManager scratch = manager.newSubManager()) {
            NDList saved;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                saved = NDList.decode(scratch, in);
            } catch (IOException | RuntimeException e) {
                throw new InvalidInputException(file + ": unreadable checkpoint (" + e + ")");
            }
            if (saved.size() != byName.size()) {
                throw new InvalidInputException(file + ": holds " + saved.size() + " parameters, the model has " + byName.size());
            }
            for (NDArray a : saved) {
                Parameter p = byName.get(a.getName());
                if (p == null || !p.getArray().getShape().equals(a.getShape())) {
                    throw new InvalidInputException(file + ": parameter '" + a.getName() + "' " + a.getShape()
                            + " is not one of this model's" + (p == null ? "" : " (it has " + p.getArray().getShape() + ")"));
                }
                // In place: the Trainer's parameter store keeps the arrays it was given at initialisation.
                a.copyTo(p.getArray());
            }
        }
        if (!Files.isRegularFile(last.resolve(OPTIMIZER))) {
            throw new InvalidInputException(last.resolve(OPTIMIZER) + ": missing: the optimizer's momentum cannot be"
                    + " restored, and a resumed run without it would not be the uninterrupted one");
        }
        try {
            optimizer.load(block.getParameters(), last.resolve(OPTIMIZER), manager); // names the file itself
        } catch (IOException e) {
            throw new InvalidInputException(last.resolve(OPTIMIZER) + ": unreadable optimizer state (" + e + ")");
        }
        completedEpochs = epoch;
        block.progress().resumeAt(step, epoch + 1);
        optimizer.resumeAt(step);
        return completedEpochs;
    }

    /**
     * Checks, without a model, the checkpoint a {@link #resume} would continue from: every file against
     * its checksum, the state's numbers, and the fingerprint when one is given. For a tool that wants
     * to refuse a bad checkpoint before it trains anything else.
     *
     * @return the epochs the checkpoint completed; 0 when there is none
     * @throws InvalidInputException naming the file that is missing, damaged, out of range or of another plan
     */
    public static int verify(Path dir, String fingerprint) {
        removeLeftovers(dir);
        java.util.Optional<Path> found = latest(dir);
        if (found.isEmpty()) {
            return 0;
        }
        Properties state = verified(found.get(), fingerprint);
        number(state, "step", found.get(), 0, Long.MAX_VALUE);
        return number(state, "epoch", found.get(), 1, Integer.MAX_VALUE).intValue();
    }

    private static Properties verified(Path last, String fingerprint) {
        Checksums.verifyManifest(last);
        Properties state = readState(last);
        String written = state.getProperty(FINGERPRINT);
        if (fingerprint != null && !fingerprint.equals(written)) {
            throw new InvalidInputException(last.resolve(STATE) + ": a checkpoint of another experiment or data ("
                    + (written == null ? "no fingerprint" : "fingerprint " + written) + ", this run's is " + fingerprint
                    + "); resume with the experiment that wrote it, or train afresh without --resume");
        }
        return state;
    }

    /** Temporary folders of saves a killed run never finished: never complete, so never resumed from. */
    private static void removeLeftovers(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s.filter(p -> p.getFileName().toString().startsWith(".epoch-"))::iterator) {
                deleteTree(p);
            }
        } catch (IOException e) {
            throw new InvalidInputException(dir + ": cannot clean up the unfinished checkpoints of a stopped run (" + e + ")");
        }
    }

    private static Properties readState(Path checkpoint) {
        Properties state = new Properties();
        try (InputStream in = Files.newInputStream(checkpoint.resolve(STATE))) {
            state.load(in);
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(checkpoint.resolve(STATE) + ": unreadable checkpoint state (" + e + ")");
        }
        return state;
    }

    private static Long number(Properties state, String key, Path checkpoint, long min, long max) {
        String v = state.getProperty(key);
        Path file = checkpoint.resolve(STATE);
        if (v == null) {
            throw new InvalidInputException(file + ": no '" + key + "': not a checkpoint this run can resume from");
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(file + ": '" + key + "' must be a whole number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new InvalidInputException(file + ": '" + key + "' = " + n + " is out of range (at least " + min + ")");
        }
        return n;
    }

    /**
     * The last complete checkpoint folder under {@code dir} ({@code epoch-NNN}); empty when there is
     * none: folders left half-written by a killed run are never complete.
     */
    public static java.util.Optional<Path> latest(Path dir) {
        if (!Files.isDirectory(dir)) {
            return java.util.Optional.empty();
        }
        java.util.Optional<Path> newest;
        try (Stream<Path> s = Files.list(dir)) {
            newest = s.filter(p -> p.getFileName().toString().matches("epoch-\\d{3}")).max(Comparator.naturalOrder());
        } catch (IOException e) {
            throw new InvalidInputException(dir + ": cannot list the checkpoint folder (" + e + ")");
        }
        // Every save is renamed into place whole: a checkpoint folder without its state was changed
        // afterwards. It is refused, never skipped for an older one (which would silently lose epochs).
        newest.filter(p -> !Files.isRegularFile(p.resolve(STATE))).ifPresent(p -> {
            throw new InvalidInputException(p + ": not a complete checkpoint (no " + STATE + "); remove the folder to"
                    + " resume from the one before it");
        });
        return newest;
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(f);
            }
        }
    }

}
