package io.distill4j.cli.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.Random;

/**
 * The built-in dataset: ten kinds of procedurally drawn shapes under random affine transforms, on
 * noisy backgrounds with clutter strokes, deterministic by seed and needing no download. Each image
 * also carries the bounding box of its shape, so detection losses (FGD) can train on it.
 */
public final class ShapesData {
    /** The classes, in label order. */
    public static final String[] CLASSES = {"circle", "square", "triangle", "plus", "cross", "ring", "diamond",
        "bar", "arrow", "star"};

    private ShapesData() {}

    /** Grayscale images {@code (count, 1, size, size)} in [0, 1], their labels and one box each (x1 y1 x2 y2 in pixels). */
    public record Samples(float[] images, int[] labels, float[][] boxes, int count, int size) {}

    /** Draws {@code count} images of {@code size x size} pixels from the given seed. */
    public static Samples generate(long seed, int count, int size) {
        Random r = new Random(seed);
        float[] images = new float[count * size * size];
        int[] labels = new int[count];
        float[][] boxes = new float[count][];
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < count; i++) {
            int label = r.nextInt(CLASSES.length);
            labels[i] = label;
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(new Color(r.nextInt(60), r.nextInt(60), r.nextInt(60)));
            g.fillRect(0, 0, size, size);
            // Clutter: a few faint random strokes.
            for (int k = 0, n = 2 + r.nextInt(3); k < n; k++) {
                int v = 60 + r.nextInt(80);
                g.setColor(new Color(v, v, v));
                g.setStroke(new BasicStroke(0.5f + r.nextFloat()));
                g.drawLine(r.nextInt(size), r.nextInt(size), r.nextInt(size), r.nextInt(size));
            }
            // The shape, unit-sized around the origin, under a random affine transform.
            double scale = size * (0.22 + 0.14 * r.nextDouble());
            AffineTransform t = new AffineTransform();
            t.translate(size * (0.35 + 0.3 * r.nextDouble()), size * (0.35 + 0.3 * r.nextDouble()));
            t.rotate(r.nextDouble() * 2 * Math.PI);
            t.shear(0.25 * (r.nextDouble() - 0.5), 0.25 * (r.nextDouble() - 0.5));
            t.scale(scale * (0.85 + 0.3 * r.nextDouble()), scale * (0.85 + 0.3 * r.nextDouble()));
            Shape shape = t.createTransformedShape(unitShape(label));
            int v = 150 + r.nextInt(106);
            g.setColor(new Color(v, v, v));
            if (label == 5) {
                g.setStroke(new BasicStroke((float) (scale * 0.25)));
                g.draw(shape);
            } else {
                g.fill(shape);
            }
            g.dispose();
            Rectangle2D b = shape.getBounds2D();
            boxes[i] = new float[] {(float) Math.max(0, b.getMinX()), (float) Math.max(0, b.getMinY()),
                (float) Math.min(size, b.getMaxX()), (float) Math.min(size, b.getMaxY())};
            int base = i * size * size;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    float px = (img.getRaster().getSample(x, y, 0) / 255f) + (float) (r.nextGaussian() * 0.12);
                    images[base + y * size + x] = Math.max(0f, Math.min(1f, px));
                }
            }
        }
        return new Samples(images, labels, boxes, count, size);
    }

    private static Shape unitShape(int label) {
        return switch (label) {
            case 0 -> new Ellipse2D.Double(-1, -1, 2, 2);
            case 1 -> new Rectangle2D.Double(-0.9, -0.9, 1.8, 1.8);
            case 2 -> polygon(0, -1, 0.95, 0.8, -0.95, 0.8);
            case 3 -> polygon(-0.3, -1, 0.3, -1, 0.3, -0.3, 1, -0.3, 1, 0.3, 0.3, 0.3, 0.3, 1, -0.3, 1, -0.3, 0.3,
                    -1, 0.3, -1, -0.3, -0.3, -0.3);
            case 4 -> AffineTransform.getRotateInstance(Math.PI / 4).createTransformedShape(unitShape(3));
            case 5 -> new Ellipse2D.Double(-0.8, -0.8, 1.6, 1.6);
            case 6 -> polygon(0, -1, 0.7, 0, 0, 1, -0.7, 0);
            case 7 -> new Rectangle2D.Double(-1, -0.25, 2, 0.5);
            case 8 -> polygon(-1, -0.25, 0.2, -0.25, 0.2, -0.7, 1, 0, 0.2, 0.7, 0.2, 0.25, -1, 0.25);
            default -> star();
        };
    }

    private static Shape star() {
        double[] xy = new double[20];
        for (int k = 0; k < 10; k++) {
            double radius = k % 2 == 0 ? 1 : 0.42;
            double angle = -Math.PI / 2 + k * Math.PI / 5;
            xy[2 * k] = radius * Math.cos(angle);
            xy[2 * k + 1] = radius * Math.sin(angle);
        }
        return polygon(xy);
    }

    private static Shape polygon(double... xy) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xy[0], xy[1]);
        for (int k = 2; k < xy.length; k += 2) {
            p.lineTo(xy[k], xy[k + 1]);
        }
        p.closePath();
        return p;
    }
}
