package org.vmm4j.examples;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Passes the guest's console through and runs an action once a given text has appeared in it. */
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
    public void write(int b) throws IOException {
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
    public void flush() throws IOException {
        out.flush();
    }
}
