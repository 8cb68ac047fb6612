package io.distill4j.examples;

import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV1;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.engine.Engine;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.distill4j.djl.DistillationBlock;
import io.distill4j.djl.DistillationListener;
import io.distill4j.djl.DistillationLoss;
import io.distill4j.djl.TappedModel;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.plan.DistillPlan;
import io.distill4j.cli.train.ShapesData;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A DJL user's own models, distilled in their own training loop: DJL's ResNet-20 as the teacher and
 * a quarter-width MobileNetV1 as the student, both from {@code ai.djl.basicmodelzoo} and built here
 * (nothing is downloaded), on the built-in shapes images. The student learns from the teacher's
 * logits (KD) and from one feature map tapped inside both models (a 1x1 convolution and a resize
 * bring the student's map to the teacher's, then Mimic). Training is DJL's {@link EasyTrain#fit}
 * with DJL's logging listener, which prints every term, raw and weighted.
 *
 * <p>Run: {@code java -cp "samples/target/examples.jar:samples/target/lib/*" io.distill4j.examples.OwnModelsExample}
 */
public final class OwnModelsExample {
    /** The distillation plan, as an experiment file would hold it. */
    static final String PLAN = """
            distill4j {
              pairs = [
                { name = logits, student = logits, teacher = logits
                  losses = [ { type = kd, weight = 0.5, temperature = 2 } ] }
                { name = feature, student = feature, teacher = feature
                  adapters = [ { type = conv1x1 }, { type = resize } ]
                  losses = [ { type = mimic, weight = 0.05 } ] }
              ]
            }
            """;

    private static final int BATCH = 32;
    /**
     * The weight of each new batch in batch norm's running statistics, as PyTorch's default: DJL's
     * PyTorch engine passes the momentum to torch, so the model zoo's default of 0.9 would leave the
     * statistics (and the test accuracy) at the mercy of the last batch.
     */
    static final float BN_MOMENTUM = 0.1f;
    private static final Shape IMAGE = new Shape(1, 28, 28);

    /** What a run measured: test accuracy of the teacher and of the distilled student, and DJL's metrics. */
    public record Result(float teacherAccuracy, float studentAccuracy, Metrics studentMetrics) {}

    private OwnModelsExample() {}

    public static void main(String[] args) throws IOException, TranslateException {
        Result r = run(2048, 512, 3, 3, Path.of("runs", "own-models", "steps.csv"), true);
        System.out.printf("teacher %.2f%%, distilled student %.2f%% (test accuracy)%n",
                100 * r.teacherAccuracy(), 100 * r.studentAccuracy());
    }

    /**
     * Trains the teacher, then distils the student from it.
     *
     * @param csv where the per-step log of the distilled run goes
     * @param log whether DJL's logging listener prints progress and each epoch's terms
     */
    public static Result run(int trainSize, int testSize, int teacherEpochs, int epochs, Path csv, boolean log)
            throws IOException, TranslateException {
        Engine.getInstance().setRandomSeed(0);
        try (NDManager manager = NDManager.newBaseManager();
             Model teacherModel = Model.newInstance("teacher");
             Model studentModel = Model.newInstance("student")) {
            ArrayDataset train = shapes(manager, 0, trainSize);
            ArrayDataset test = shapes(manager, 1, testSize);

            // 1. The user's own teacher, trained the usual DJL way.
            Block teacher = ResNetV1.builder().setImageShape(IMAGE).setNumLayers(20)
                    .setOutSize(ShapesData.CLASSES.length).optBatchNormMomentum(BN_MOMENTUM).build();
            teacherModel.setBlock(teacher);
            float teacherAccuracy;
            try (Trainer trainer = teacherModel.newTrainer(config(Loss.softmaxCrossEntropyLoss(), log))) {
                trainer.setMetrics(new Metrics());
                trainer.initialize(new Shape(BATCH).addAll(IMAGE));
                EasyTrain.fit(trainer, teacherEpochs, train, test);
                teacherAccuracy = trainer.getTrainingResult().getValidateEvaluation("Accuracy");
            }

            // 2. The student, distilled: taps name the feature maps the plan's pairs refer to.
            Block student = MobileNetV1.builder().optWidthMultiplier(0.25f).setOutSize(ShapesData.CLASSES.length)
                    .optBatchNormMomentum(BN_MOMENTUM).build();
            DistillPlan plan = Distill4j.start((Path) null).experiments().parse(
                    ConfigFactory.parseString(PLAN, ConfigParseOptions.defaults().setOriginDescription("OwnModelsExample.PLAN")),
                    "OwnModelsExample.PLAN");
            DistillationBlock block = new DistillationBlock(plan,
                    TappedModel.of(student).tap("feature", "SequentialBlock#4"),   // the fourth depthwise-separable stage
                    TappedModel.of(teacher).tap("feature", "ParallelBlock#3"));     // the third residual unit
            studentModel.setBlock(block);
            DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block);
            TrainingConfig config = config(loss, log).addEvaluators(loss.termEvaluators())
                    .addTrainingListeners(new DistillationListener(block, loss, csv));
            try (Trainer trainer = studentModel.newTrainer(config)) {
                trainer.setMetrics(new Metrics());
                trainer.initialize(new Shape(BATCH).addAll(IMAGE));
                EasyTrain.fit(trainer, epochs, train, test);
                return new Result(teacherAccuracy, trainer.getTrainingResult().getValidateEvaluation("Accuracy"),
                        trainer.getMetrics());
            }
        }
    }

    static DefaultTrainingConfig config(Loss loss, boolean log) {
        return new DefaultTrainingConfig(loss)
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).build())
                .addEvaluator(new Accuracy())
                .addTrainingListeners(log ? TrainingListener.Defaults.logging() : TrainingListener.Defaults.basic());
    }

    /** The built-in shapes images (ten classes of drawn shapes), labels as DJL's datasets carry them. */
    static ArrayDataset shapes(NDManager manager, long seed, int count) {
        ShapesData.Samples s = ShapesData.generate(seed, count, 28);
        float[] labels = new float[count];
        for (int i = 0; i < count; i++) {
            labels[i] = s.labels()[i];
        }
        return new ArrayDataset.Builder()
                .setData(manager.create(s.images(), new Shape(count, 1, 28, 28)))
                .optLabels(manager.create(labels))
                .setSampling(BATCH, true).build();
    }

}
