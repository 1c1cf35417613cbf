package org.vmm4j.guest;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * An open session on a running guest's serial console: what the guest writes comes out of
 * {@link #output()}, what is written to {@link #input()} is typed into the guest. Opened with
 * {@link Guest#openConsole(boolean)}.
 *
 * <p>{@link #output()} blocks until the guest has written something, and ends (returns -1) when the
 * console closes on the guest's side: the guest stopped, or another session took the console over. Both
 * streams are safe for one reader and one writer thread at a time. {@link #close()} ends the session and
 * releases everything it holds; a read blocked in {@link #output()} then returns -1, and a write fails.
 */
public interface GuestConsole extends AutoCloseable {

    /** The guest's console output, as it arrives; -1 once the console is closed on either side. */
    InputStream output();

    /** Bytes typed into the guest's console; a write after {@link #close()} throws an IOException. */
    OutputStream input();

    /** Whether the session is still open: not closed here and not ended by the guest's side. */
    boolean isOpen();

    /** Ends the session and releases what it holds; the guest keeps running. Idempotent. */
    @Override
    void close();
}
