package org.vmm4j.linux.machine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.vmm4j.machine.Machine;

/** Collects a guest's serial output and lets a test wait for text to appear in it. */
final class ConsoleCapture extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final boolean echo;

    ConsoleCapture(boolean echo) {
        this.echo = echo;
    }

    @Override
    public synchronized void write(int b) {
        bytes.write(b);
        if (echo) {
            System.out.write(b);
        }
        notifyAll();
    }

    /** The output so far, with the serial console's CR LF line ends as plain LF. */
    synchronized String text() {
        return bytes.toString(StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
    }

    /** Waits until the output contains {@code needle}; returns whether it did within {@code timeout}. */
    synchronized boolean await(String needle, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!text().contains(needle)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** The last {@code count} lines of the output, headed {@code console (last N lines):}. */
    String tail(int count) {
        String[] lines = text().split("\n", -1);
        List<String> last = Arrays.asList(lines).subList(Math.max(0, lines.length - count), lines.length);
        return "console (last " + last.size() + " lines):\n" + String.join("\n", last);
    }

    /**
     * Waits for {@code text} while {@code machine} runs, up to {@code timeout} from the machine's start; fails, at
     * once when the machine has ended without printing it, with the exit and {@code details}.
     */
    void awaitWhileRunning(Machine machine, String text, Duration timeout, Supplier<String> details)
            throws InterruptedException {
        while (!await(text, Duration.ofSeconds(1))) {
            var exit = machine.awaitExit(Duration.ZERO);
            if (exit.isPresent() && !text().contains(text)) {
                throw new AssertionError("\"" + text.strip() + "\" did not appear; the machine ended after "
                        + machine.uptime().toSeconds() + " s: " + exit.get() + "\n" + details.get());
            }
            if (machine.uptime().compareTo(timeout) > 0) {
                throw new AssertionError("\"" + text.strip() + "\" did not appear within " + timeout.toSeconds()
                        + " s; the machine still runs\n" + details.get());
            }
        }
    }

    /** {@link #awaitWhileRunning(Machine, String, Duration, Supplier)} showing the output's last 40 lines. */
    void awaitWhileRunning(Machine machine, String text, Duration timeout) throws InterruptedException {
        awaitWhileRunning(machine, text, timeout, () -> tail(40));
    }
}
