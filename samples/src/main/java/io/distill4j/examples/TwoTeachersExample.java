package io.distill4j.examples;

import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV1;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.engine.Engine;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.distill4j.djl.DistillationBlock;
import io.distill4j.djl.DistillationListener;
import io.distill4j.djl.DistillationLoss;
import io.distill4j.djl.TappedModel;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.plan.DistillPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One student, two teachers of different architectures: a ResNet-20 and a ResNet-8, each trained
 * the usual DJL way, then a quarter-width MobileNetV1 distilled from both at once: KD from each
 * teacher's logits, weighted, and the deeper teacher's feature map through conv1x1 + resize + Mimic.
 * Pairs name a teacher's output as {@code <teacher>.<output>}.
 *
 * <p>Run: {@code java -cp "samples/target/examples.jar:samples/target/lib/*" io.distill4j.examples.TwoTeachersExample}
 */
public final class TwoTeachersExample {
    static final String PLAN = """
            distill4j {
              pairs = [
                { name = deep, student = logits, teacher = deep.logits
                  losses = [ { type = kd, weight = 0.3, temperature = 2 } ] }
                { name = shallow, student = logits, teacher = shallow.logits
                  losses = [ { type = kd, weight = 0.2, temperature = 2 } ] }
                { name = feature, student = feature, teacher = deep.feature
                  adapters = [ { type = conv1x1 }, { type = resize } ]
                  losses = [ { type = mimic, weight = 0.05 } ] }
              ]
            }
            """;

    private static final int BATCH = 32;
    private static final Shape IMAGE = new Shape(1, 28, 28);

    /** Each teacher's test accuracy, the distilled student's, and the student run's DJL metrics. */
    public record Result(Map<String, Float> teacherAccuracy, float studentAccuracy, Metrics studentMetrics) {}

    private TwoTeachersExample() {}

    public static void main(String[] args) throws IOException, TranslateException {
        Result r = run(2048, 512, 3, 3, Path.of("runs", "two-teachers", "steps.csv"), true);
        r.teacherAccuracy().forEach((name, acc) -> System.out.printf("teacher %s %.2f%%, ", name, 100 * acc));
        System.out.printf("distilled student %.2f%% (test accuracy)%n", 100 * r.studentAccuracy());
    }

    public static Result run(int trainSize, int testSize, int teacherEpochs, int epochs, Path csv, boolean log)
            throws IOException, TranslateException {
        Engine.getInstance().setRandomSeed(0);
        Map<String, Block> teachers = new LinkedHashMap<>();
        teachers.put("deep", resnet(20));
        teachers.put("shallow", resnet(8));
        Map<String, Float> teacherAccuracy = new LinkedHashMap<>();
        Map<String, Model> models = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager(); Model studentModel = Model.newInstance("student")) {
            ArrayDataset train = OwnModelsExample.shapes(manager, 0, trainSize);
            ArrayDataset test = OwnModelsExample.shapes(manager, 1, testSize);
            for (Map.Entry<String, Block> t : teachers.entrySet()) {
                Model teacherModel = Model.newInstance(t.getKey());
                models.put(t.getKey(), teacherModel);
                teacherModel.setBlock(t.getValue());
                try (Trainer trainer = teacherModel.newTrainer(OwnModelsExample.config(Loss.softmaxCrossEntropyLoss(), log))) {
                    trainer.setMetrics(new Metrics());
                    trainer.initialize(new Shape(BATCH).addAll(IMAGE));
                    EasyTrain.fit(trainer, teacherEpochs, train, test);
                    teacherAccuracy.put(t.getKey(), trainer.getTrainingResult().getValidateEvaluation("Accuracy"));
                }
            }

            Block student = MobileNetV1.builder().optWidthMultiplier(0.25f).setOutSize(10)
                    .optBatchNormMomentum(OwnModelsExample.BN_MOMENTUM).build();
            DistillPlan plan = Distill4j.start((Path) null).experiments().parse(ConfigFactory.parseString(PLAN,
                    ConfigParseOptions.defaults().setOriginDescription("TwoTeachersExample.PLAN")), "TwoTeachersExample.PLAN");
            Map<String, TappedModel> tapped = new LinkedHashMap<>();
            tapped.put("deep", TappedModel.of(teachers.get("deep")).tap("feature", "ParallelBlock#3"));
            tapped.put("shallow", TappedModel.of(teachers.get("shallow")));
            DistillationBlock block = new DistillationBlock(plan,
                    TappedModel.of(student).tap("feature", "SequentialBlock#4"), tapped);
            studentModel.setBlock(block);
            DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block);
            TrainingConfig config = OwnModelsExample.config(loss, log).addEvaluators(loss.termEvaluators())
                    .addTrainingListeners(new DistillationListener(block, loss, csv));
            try (Trainer trainer = studentModel.newTrainer(config)) {
                trainer.setMetrics(new Metrics());
                trainer.initialize(new Shape(BATCH).addAll(IMAGE));
                EasyTrain.fit(trainer, epochs, train, test);
                return new Result(teacherAccuracy, trainer.getTrainingResult().getValidateEvaluation("Accuracy"),
                        trainer.getMetrics());
            }
        } finally {
            models.values().forEach(Model::close);
        }
    }

    private static Block resnet(int layers) {
        return ResNetV1.builder().setImageShape(IMAGE).setNumLayers(layers).setOutSize(10)
                .optBatchNormMomentum(OwnModelsExample.BN_MOMENTUM).build();
    }
}
