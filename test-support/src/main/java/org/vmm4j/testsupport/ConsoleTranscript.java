package org.vmm4j.testsupport;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Everything a console stream has shown, read by a daemon thread of its own from when it is made: tests wait
 * for a text to appear (the assertion shows the whole transcript when it does not) or for the stream to end.
 */
public final class ConsoleTranscript {
    private final StringBuilder text = new StringBuilder();
    private final Thread reader;
    private volatile boolean ended;

    /** Starts reading {@code output} on a thread named {@code console-transcript-<name>}. */
    public ConsoleTranscript(InputStream output, String name) {
        reader = new Thread(() -> read(output), "console-transcript-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    private void read(InputStream output) {
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = output.read(buffer)) >= 0; ) {
                synchronized (text) {
                    text.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                }
            }
        } catch (IOException e) {
            // a session taken over may end with the stream's error instead of its end
        } finally {
            ended = true;
        }
    }

    /** What was read so far. */
    public String text() {
        synchronized (text) {
            return text.toString();
        }
    }

    /** Waits until the transcript contains {@code expected}; the assertion error carries the transcript. */
    public void await(String expected, Duration timeout) {
        try {
            Await.until("'" + expected + "' on the console", timeout, () -> text().contains(expected));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the console showed:\n" + text(), e);
        }
    }

    /** Waits until the stream has ended (or failed). */
    public void awaitEnd(Duration timeout) {
        Await.until("the end of the console's output", timeout, () -> ended);
    }

    /** Waits up to 10 s for the reading thread to finish and asserts it did. */
    public void join() throws InterruptedException {
        reader.join(10_000);
        assertFalse(reader.isAlive(), reader.getName() + " still reading");
    }
}
