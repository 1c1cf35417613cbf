package org.vmm4j.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.vmm4j.VmmException;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestConsole;
import org.vmm4j.guest.GuestManager;

/**
 * {@code vmm4j guests console NAME [--force] [--wait-for TEXT]}: the guest's serial console on this
 * terminal, through {@link Guest#openConsole(boolean)}. On a terminal, the terminal is raw while the
 * session lasts (every key goes to the guest, Ctrl-C included) and Ctrl-] ends it, as in virsh. When
 * standard input is not a terminal its bytes are passed on as they are, and the session ends once input
 * has ended and the guest has been quiet for {@value #QUIET_MILLIS} ms, or at once when {@code --wait-for}'s
 * text appears. The session also ends when the console closes on the guest's side.
 */
final class GuestConsoleSession {
    static final String USAGE = "vmm4j guests [--uri U] console NAME [--force] [--wait-for TEXT]";
    /** Ctrl-], virsh's escape character. */
    static final int ESCAPE = 0x1d;

    private static final long QUIET_MILLIS = 2_000;
    private static final long POLL_MILLIS = 50;

    private final GuestManager manager;
    private final InputStream stdin;
    private final Supplier<RawTerminal> terminal;

    /**
     * @param terminal puts the terminal into raw mode ({@link RawTerminal#enter()}), or not
     *                 ({@link RawTerminal#none()}) when standard input is not this process's terminal
     */
    GuestConsoleSession(GuestManager manager, InputStream stdin, Supplier<RawTerminal> terminal) {
        this.manager = manager;
        this.stdin = stdin;
        this.terminal = terminal;
    }

    int run(Arguments all, PrintStream out, PrintStream err) throws InterruptedException {
        Arguments a = all.withUsage(USAGE);
        boolean force = a.flag("--force");
        Optional<String> waitFor = a.option("--wait-for");
        String name = a.positional(CliText.t("guests.what-name"));
        a.end();
        if (waitFor.isPresent() && waitFor.get().isEmpty()) {
            throw a.error(CliText.t("console.wait-for-empty"));
        }
        try (Guest guest = GuestsCommand.find(manager, name);
                GuestConsole console = open(guest, force)) {
            Session session = new Session(console, out, waitFor.orElse(null));
            String ending;
            try (RawTerminal t = terminal.get()) {
                if (t.isRaw()) {
                    err.print(CliText.t("console.connected", name) + "\r\n");
                } else {
                    err.println("vmm4j guests console: "
                            + (waitFor.isPresent()
                                    ? CliText.t("console.not-terminal-wait", waitFor.get())
                                    : CliText.t("console.not-terminal-quiet", String.valueOf(QUIET_MILLIS))));
                }
                err.flush();
                ending = session.run(stdin, t.isRaw(), waitFor.isEmpty());
            }
            err.println();
            err.println("vmm4j guests console: " + ending);
            return 0;
        }
    }

    private static GuestConsole open(Guest guest, boolean force) {
        try {
            return guest.openConsole(force);
        } catch (IllegalStateException e) {
            // not running, or no serial console: a state of the guest, reported like the manager's refusals
            throw new VmmException(e.getMessage(), e);
        }
    }

    /** One console session: a thread copying the guest's output, one copying standard input. */
    private static final class Session {
        private final GuestConsole console;
        private final PrintStream out;
        private final String waitFor;
        private final CountDownLatch done = new CountDownLatch(1);
        private final AtomicReference<String> ending = new AtomicReference<>();
        private volatile long lastOutputNanos = System.nanoTime();
        private volatile boolean inputEnded;

        /** The command's locale: the session ends on the console's threads, which have none of their own. */
        private final Locale locale = CliText.locale();

        Session(GuestConsole console, PrintStream out, String waitFor) {
            this.console = console;
            this.out = out;
            this.waitFor = waitFor;
        }

        private void end(String why) {
            if (ending.compareAndSet(null, why)) {
                done.countDown();
            }
        }

        /** Runs until the session ends; returns why it ended. */
        String run(InputStream stdin, boolean raw, boolean endWhenQuiet) throws InterruptedException {
            Thread output = daemon(this::copyOutput, "vmm4j-console-output");
            daemon(() -> copyInput(stdin, raw), "vmm4j-console-input");
            while (!done.await(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                if (endWhenQuiet
                        && inputEnded
                        && System.nanoTime() - lastOutputNanos > TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS)) {
                    end(CliText.t(locale, "console.end-quiet", String.valueOf(QUIET_MILLIS)));
                }
            }
            console.close(); // ends the output thread's read
            output.join(TimeUnit.SECONDS.toMillis(5));
            out.flush();
            return ending.get();
        }

        private static Thread daemon(Runnable body, String name) {
            Thread t = new Thread(body, name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        private void copyOutput() {
            ConsoleWatch watch = new ConsoleWatch(out, waitFor);
            watch.onMatch(() -> end(CliText.t(locale, "console.end-appeared", waitFor)));
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = console.output().read(buffer)) >= 0; ) {
                    lastOutputNanos = System.nanoTime();
                    watch.write(buffer, 0, n);
                    watch.flush();
                }
                end(CliText.t(locale, "console.end-closed"));
            } catch (IOException e) {
                end(CliText.t(locale, "console.end-failed", String.valueOf(e.getMessage())));
            }
        }

        private void copyInput(InputStream stdin, boolean raw) {
            OutputStream guest = console.input();
            byte[] buffer = new byte[1024];
            try {
                for (int n; (n = stdin.read(buffer)) >= 0; ) {
                    int escape = raw ? indexOf(buffer, n, ESCAPE) : -1;
                    guest.write(buffer, 0, escape < 0 ? n : escape);
                    if (escape >= 0) {
                        end(CliText.t(locale, "console.end-left"));
                        return;
                    }
                }
                inputEnded = true;
            } catch (IOException e) {
                // the console closed while typing; the output side says why
                inputEnded = true;
            }
        }

        private static int indexOf(byte[] buffer, int length, int value) {
            for (int i = 0; i < length; i++) {
                if (buffer[i] == value) {
                    return i;
                }
            }
            return -1;
        }
    }
}
