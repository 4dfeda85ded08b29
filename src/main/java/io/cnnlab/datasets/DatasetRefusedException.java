package io.cnnlab.datasets;

/**
 * An upload or a folder registration that cannot become a data set; the reason picks the problem's status, the
 * message says what to change. Nothing of the refused import is left behind.
 */
public class DatasetRefusedException extends RuntimeException {

    public enum Reason {
        /** neither a zip nor a tar.gz (415) */
        NOT_AN_ARCHIVE,
        /** a zip or tar.gz whose structure cannot be read to the end (400) */
        DAMAGED_ARCHIVE,
        /** an entry that would climb out of the data set (.., an absolute path) or a link (400) */
        UNSAFE_ENTRY,
        /** over a configured limit: bytes, entries, pixels of one image (413) */
        TOO_LARGE,
        /** readable, but no data set: no images, a single class, too many classes (400) */
        NOT_A_DATASET,
        /** a parameter outside its range (400) */
        INVALID_REQUEST,
        /** folder registration is switched off: cnn.datasets.roots is empty (403) */
        FOLDERS_DISABLED,
        /** a folder outside every configured root, or a link inside one that leads out (403) */
        OUTSIDE_ROOTS
    }

    private final Reason reason;

    DatasetRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
