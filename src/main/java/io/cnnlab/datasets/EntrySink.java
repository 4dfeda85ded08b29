package io.cnnlab.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** Takes the files of an archive or a folder one at a time, in the order they are read. */
interface EntrySink {

    /**
     * One regular file. {@code content} is open only during the call and is not closed by it; an
     * {@link IOException} from it means the archive is damaged.
     *
     * @param name         the entry's name as the archive spells it (for messages)
     * @param segments     its folders and file name, checked by {@link EntryPaths}
     * @param declaredSize the size the archive claims, -1 when unknown; never trusted for allocation
     */
    void file(String name, List<String> segments, long declaredSize, InputStream content) throws IOException;

    /** An entry that is not in the data set, and why. */
    void reject(String name, String reason);
}
