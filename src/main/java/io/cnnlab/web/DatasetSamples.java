package io.cnnlab.web;

import io.cnnlab.datasets.Datasets;
import io.cnnlab.datasets.LabelledImages;
import io.cnnlab.datasets.Thumbnails;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.ArrayList;
import java.util.List;

/**
 * A few pictures of each class of a data set, so a person can see what a folder name stands for: the first images
 * of each class in the training split, then the test split when training holds fewer. Only the asked page's pictures
 * are encoded.
 */
final class DatasetSamples {

    static final int MAX_PER_CLASS = 20;

    /** One stored image, as its 32x32 PNG. */
    record Sample(@Schema(description = "the class name") String label,
                  @Schema(description = "position of the image in its split") int index,
                  @Schema(description = "train or test") String split,
                  @Schema(description = "data:image/png;base64,... of the stored 32x32 image") String thumbnail) {
    }

    private record Pick(int label, LabelledImages images, String split, int index) {
    }

    private DatasetSamples() {
    }

    static Page<Sample> of(Datasets.Splits splits, int perClass, int page, int size) {
        List<Pick> picks = new ArrayList<>();
        for (int label = 0; label < splits.classes().size(); label++) {
            int wanted = perClass;
            wanted -= pick(splits.train(), "train", label, wanted, picks);
            pick(splits.test(), "test", label, wanted, picks);
        }
        Page<Pick> chosen = Page.slice(picks, page, size);
        List<Sample> items = chosen.items().stream().map(p -> new Sample(splits.classes().get(p.label()), p.index(),
                p.split(), Thumbnails.dataUrl(p.images(), p.index()))).toList();
        return Page.of(items, page, size, chosen.total());
    }

    /** Adds up to {@code wanted} images of {@code label}, in split order; answers how many it added. */
    private static int pick(LabelledImages images, String split, int label, int wanted, List<Pick> picks) {
        int added = 0;
        for (int i = 0; i < images.size() && added < wanted; i++) {
            if (images.label(i) == label) {
                picks.add(new Pick(label, images, split, i));
                added++;
            }
        }
        return added;
    }
}
