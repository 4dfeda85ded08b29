package io.cnnlab.datasets;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Archives of images the tests draw: three classes of coloured shapes (red circles, green squares, blue triangles),
 * each picture a little different, written as PNG or JPEG into a zip or tar.gz in memory. Also the hostile entries
 * the upload must refuse: links, {@code ..}, absolute names.
 */
public final class DatasetArchives {

    public static final List<String> SHAPES = List.of("circle", "square", "triangle");

    private DatasetArchives() {
    }

    /** One shape picture, {@code size} pixels square; {@code variant} moves and resizes it. */
    public static BufferedImage shape(String shape, int size, int variant) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(new Color(235 - variant * 7 % 40, 235, 225));
        g.fillRect(0, 0, size, size);
        int inset = size / 8 + variant % 4;
        int side = size - 2 * inset - variant % 3;
        switch (shape) {
            case "circle" -> {
                g.setColor(new Color(200 + variant % 50, 30, 30));
                g.fillOval(inset, inset, side, side);
            }
            case "square" -> {
                g.setColor(new Color(30, 170 + variant % 60, 40));
                g.fillRect(inset, inset, side, side);
            }
            default -> {
                g.setColor(new Color(30, 40, 190 + variant % 60));
                g.fillPolygon(new int[]{size / 2, inset, size - inset}, new int[]{inset, size - inset, size - inset}, 3);
            }
        }
        g.dispose();
        return image;
    }

    public static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalArgumentException("no writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code prefix<class>/<class>-<i>.png} for each shape, {@code perClass} pictures each (insertion ordered). */
    public static Map<String, byte[]> shapes(String prefix, int perClass, String format) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String shape : SHAPES) {
            for (int i = 0; i < perClass; i++) {
                files.put(prefix + shape + "/" + shape + "-" + i + "." + (format.equals("jpeg") ? "jpg" : format),
                        encode(shape(shape, 40 + i * 3, i), format));
            }
        }
        return files;
    }

    public static byte[] zip(Map<String, byte[]> files) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
                for (var file : files.entrySet()) {
                    zip.putNextEntry(new ZipEntry(file.getKey()));
                    zip.write(file.getValue());
                    zip.closeEntry();
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A tar.gz of regular files, then the extra entries (links, odd names) {@code more} adds. */
    public static byte[] tarGz(Map<String, byte[]> files, TarEntries more) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                for (var file : files.entrySet()) {
                    TarArchiveEntry entry = new TarArchiveEntry(file.getKey(), true);
                    entry.setSize(file.getValue().length);
                    tar.putArchiveEntry(entry);
                    tar.write(file.getValue());
                    tar.closeArchiveEntry();
                }
                more.addTo(tar);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] tarGz(Map<String, byte[]> files) {
        return tarGz(files, tar -> {
        });
    }

    @FunctionalInterface
    public interface TarEntries {
        void addTo(TarArchiveOutputStream tar) throws IOException;
    }

    /** A link entry ({@link TarArchiveEntry#LF_SYMLINK} or {@link TarArchiveEntry#LF_LINK}) named {@code name}. */
    public static TarEntries link(String name, String target, byte type) {
        return tar -> {
            TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
            entry.setLinkName(target);
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
        };
    }
}
