package io.cnnlab.networks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A serialised object that records when anything deserialises it: planted in a model zip where DL4J expects a
 * preprocessor, it proves a reader refused the entry without reading it.
 */
public final class Tripwire implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Test-only global: deserialisation happens deep inside the reader, with no other way to observe it. */
    public static final AtomicBoolean DESERIALISED = new AtomicBoolean();

    public static byte[] serialised() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new Tripwire());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Serial
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        DESERIALISED.set(true);
    }
}
