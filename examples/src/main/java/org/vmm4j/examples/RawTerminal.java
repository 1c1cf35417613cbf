package org.vmm4j.examples;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Puts the controlling terminal into raw mode while a guest owns the console, so every key reaches the
 * guest at once (Ctrl-C included: the guest's shell gets it), and restores it afterwards. Uses stty(1)
 * with an argument list on /dev/tty; does nothing when there is no terminal.
 */
final class RawTerminal implements AutoCloseable {
    private final String saved;

    private RawTerminal(String saved) {
        this.saved = saved;
    }

    /** Raw mode if standard input is a terminal, else a no-op handle. */
    @SuppressWarnings("SystemConsoleNull") // compiled for 17, where null means no terminal; /dev/tty is checked too
    static RawTerminal enter() {
        if (System.console() == null || !new File("/dev/tty").canRead()) {
            return new RawTerminal(null);
        }
        String state = stty(List.of("stty", "-g"));
        if (state == null || stty(List.of("stty", "raw", "-echo")) == null) {
            return new RawTerminal(null);
        }
        RawTerminal t = new RawTerminal(state.strip());
        Runtime.getRuntime().addShutdownHook(new Thread(t::close, "vmm4j-restore-terminal"));
        return t;
    }

    /** A handle that changes nothing, for input that is not this process's terminal. */
    static RawTerminal none() {
        return new RawTerminal(null);
    }

    boolean isRaw() {
        return saved != null;
    }

    private static String stty(List<String> command) {
        try {
            Process p = new ProcessBuilder(command)
                    .redirectInput(new File("/dev/tty"))
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public synchronized void close() {
        if (saved != null) {
            stty(List.of("stty", saved));
        }
    }
}
