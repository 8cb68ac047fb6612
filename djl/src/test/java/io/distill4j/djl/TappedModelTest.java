package io.distill4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.basicmodelzoo.cv.classification.MobileNetV1;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import io.distill4j.runtime.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class TappedModelTest {
    private static Conv2d conv(int filters) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(filters).build();
    }

    /** conv, relu, (conv, relu), pool, flatten, linear: children 01Conv2d .. 06Linear, the nested block third. */
    private static SequentialBlock nested() {
        return new SequentialBlock().add(conv(4)).add(Activation.reluBlock())
                .add(new SequentialBlock().add(conv(6)).add(Activation.reluBlock()))
                .add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(3).build());
    }

    @Test
    void listsEveryChildPathAsDjlNamesThem() {
        List<String> paths = TappedModel.childPaths(nested());
        assertEquals(List.of("01Conv2d", "02LambdaBlock", "03SequentialBlock", "03SequentialBlock/01Conv2d",
                "03SequentialBlock/02LambdaBlock", "04LambdaBlock", "05LambdaBlock", "06Linear"), paths);
    }

    @Test
    void tapReturnsTheChildsOutputAfterTheLogitsWithTheParametersUnchanged() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock net = nested();
            net.initialize(m, DataType.FLOAT32, new Shape(2, 1, 5, 5));
            List<String> namesBefore = net.getParameters().keys();
            ByteArrayOutputStream saved = new ByteArrayOutputStream();
            net.saveParameters(new DataOutputStream(saved));

            TappedModel tapped = TappedModel.of(net).tap("inner", "03SequentialBlock/01Conv2d").tap("first", "1");
            assertEquals(List.of("logits", "inner", "first"), tapped.outputNames());
            assertEquals(namesBefore, net.getParameters().keys());
            assertEquals(namesBefore, tapped.getParameters().keys());

            NDArray x = m.randomNormal(new Shape(2, 1, 5, 5));
            NDList out = tapped.forward(new ParameterStore(m, false), new NDList(x), false);
            assertEquals(3, out.size());
            // The same values computed child by child, without taps.
            ParameterStore ps = new ParameterStore(m, false);
            Block first = ((TapPoint) net.getChildren().valueAt(0)).inner();
            NDArray a = first.forward(ps, new NDList(x), false).singletonOrThrow();
            NDArray r = a.getNDArrayInternal().relu();
            SequentialBlock inner = (SequentialBlock) net.getChildren().valueAt(2);
            NDArray b = ((TapPoint) inner.getChildren().valueAt(0)).inner().forward(ps, new NDList(r), false).singletonOrThrow();
            assertEquals(new Shape(2, 3), out.get(0).getShape());
            assertTrue(out.get(1).allClose(b, 1e-6, 1e-6, false), "inner tap");
            assertTrue(out.get(2).allClose(a, 1e-6, 1e-6, false), "first tap");

            // The tapped model still reads the file the untapped one wrote.
            tapped.loadParameters(m, new DataInputStream(new ByteArrayInputStream(saved.toByteArray())));
        }
    }

    @Test
    void aliasesNameChildrenByPositionTypeAndOccurrence() {
        TappedModel t = TappedModel.of(nested()).tap("a", "SequentialBlock/Conv2d").tap("b", "LambdaBlock#3");
        assertEquals(List.of("logits", "a", "b"), t.outputNames());
        // A bare type among several siblings of that type would be a guess: refused.
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TappedModel.of(nested()).tap("c", "LambdaBlock"));
        assertTrue(e.getMessage().contains("no child at path 'LambdaBlock'"), e.getMessage());
    }

    @Test
    void anUnknownPathListsThePathsAndTheClosestOne() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> TappedModel.of(nested()).tap("inner", "03SequentialBlock/01Conv2"));
        assertTrue(e.getMessage().startsWith("tap 'inner': SequentialBlock has no child at path '03SequentialBlock/01Conv2'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("did you mean '03SequentialBlock/01Conv2d'?"), e.getMessage());
        assertTrue(e.getMessage().contains("its child paths: 01Conv2d, 02LambdaBlock, 03SequentialBlock, "
                + "03SequentialBlock/01Conv2d"), e.getMessage());
    }

    @Test
    void aNameOrPathUsedTwiceIsRefused() {
        TappedModel t = TappedModel.of(nested()).tap("x", "1");
        assertThrows(InvalidInputException.class, () -> t.tap("x", "3/1"));
        assertThrows(InvalidInputException.class, () -> t.tap("logits", "3/1"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> t.tap("y", "01Conv2d"));
        assertTrue(e.getMessage().contains("already tapped"), e.getMessage());
    }

    @Test
    void tapsInsideDjlsOwnResNetAndMobileNet() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block resnet = ResNetV1.builder().setImageShape(new Shape(1, 28, 28)).setNumLayers(20).setOutSize(10).build();
            List<String> paths = TappedModel.childPaths(resnet);
            assertTrue(paths.contains("03ParallelBlock/01SequentialBlock/01Conv2d"), paths.toString());
            TappedModel r = TappedModel.of(resnet).tap("unit1", "03ParallelBlock").tap("unit1conv", "03ParallelBlock/1/1");
            r.initialize(m, DataType.FLOAT32, new Shape(2, 1, 28, 28));
            Shape[] shapes = r.getOutputShapes(new Shape[] {new Shape(2, 1, 28, 28)});
            assertEquals(new Shape(2, 10), shapes[0]);
            assertEquals(4, shapes[1].dimension());
            assertEquals(shapes[1].get(1), shapes[2].get(1));

            Block mobile = MobileNetV1.builder().optWidthMultiplier(0.25f).setOutSize(10).build();
            String deep = TappedModel.childPaths(mobile).stream().filter(p -> p.endsWith("Conv2d")).reduce((a, b) -> b).orElseThrow();
            TappedModel mn = TappedModel.of(mobile).tap("last", deep);
            mn.initialize(m, DataType.FLOAT32, new Shape(2, 1, 28, 28));
            NDList out = mn.forward(new ParameterStore(m, false), new NDList(m.ones(new Shape(2, 1, 28, 28))), false);
            assertEquals(new Shape(2, 10), out.get(0).getShape());
            assertEquals(4, out.get(1).getShape().dimension());
        }
    }
}
