package org.vmm4j.examples;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Passes the guest's console through and runs an action once a given text has appeared in it. Thread-safe:
 * the serial port (a vCPU thread) and a virtio console (its device thread) may both write; a chunk is
 * matched whole.
 */
final class ConsoleWatch extends OutputStream {
    private final OutputStream out;
    private final byte[] needle;
    private int matched;
    private volatile boolean seen;
    private Runnable action = () -> {};

    ConsoleWatch(OutputStream out, String text) {
        this.out = out;
        this.needle = text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    void onMatch(Runnable r) {
        action = r;
    }

    boolean matched() {
        return seen;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        out.write(b);
        if (needle == null || seen) {
            return;
        }
        // Simple restart-on-mismatch matching: enough for console markers without self-overlap.
        matched = needle[matched] == (byte) b ? matched + 1 : (needle[0] == (byte) b ? 1 : 0);
        if (matched == needle.length) {
            seen = true;
            out.flush();
            action.run();
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            write(b[off + i]);
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }
}
