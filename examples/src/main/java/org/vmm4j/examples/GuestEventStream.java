package org.vmm4j.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import org.vmm4j.guest.GuestEvent;
import org.vmm4j.guest.GuestManager;

/**
 * {@code vmm4j guests events [--count N]}: prints each lifecycle event of every guest, one line each,
 * until Ctrl-C, the end of standard input (so a parent process can stop it by closing the pipe), or
 * {@code N} events.
 */
final class GuestEventStream {
    static final String USAGE = "vmm4j guests [--uri U] events [--count N]";
    private static final String FORMAT = "%-30s %-24s %-12s %s%n";

    private final GuestManager manager;
    private final InputStream stdin;

    GuestEventStream(GuestManager manager, InputStream stdin) {
        this.manager = manager;
        this.stdin = stdin;
    }

    int run(Arguments all, PrintStream out, PrintStream err) throws InterruptedException {
        Arguments a = all.withUsage(USAGE);
        long count = a.number("--count", 1).orElse(Long.MAX_VALUE);
        Locale locale = CliText.locale(); // events arrive on the manager's thread
        a.end();
        CountDownLatch done = new CountDownLatch(1);
        Object lock = new Object();
        long[] seen = {0};
        out.printf(
                FORMAT,
                CliText.t("events.col.time"),
                CliText.t("events.col.guest"),
                CliText.t("events.col.event"),
                CliText.t("events.col.detail"));
        AutoCloseable registration = manager.addListener(event -> {
            // Runs on the manager's event thread; after the N-th event the stream is over.
            synchronized (lock) {
                if (seen[0] < count) {
                    seen[0]++;
                    print(event, out, locale);
                    if (seen[0] == count) {
                        done.countDown();
                    }
                }
            }
        });
        try {
            Thread watcher = new Thread(() -> waitForEnd(stdin, done), "vmm4j-guests-events-stdin");
            watcher.setDaemon(true);
            watcher.start();
            err.println(CliText.t("events.listening", manager.uri()));
            done.await();
        } finally {
            remove(registration);
        }
        return 0;
    }

    private static void remove(AutoCloseable registration) {
        try {
            registration.close();
        } catch (Exception e) {
            throw new IllegalStateException("removing the event listener: " + e, e);
        }
    }

    private static void print(GuestEvent event, PrintStream out, Locale locale) {
        out.printf(
                FORMAT,
                Instant.now(),
                event.guest(),
                CliText.t(locale, "events.type." + event.type().name().toLowerCase(Locale.ROOT)),
                event.detail());
        out.flush();
    }

    /** Reads (and ignores) standard input until its end, then ends the stream; a read error ends it too. */
    private static void waitForEnd(InputStream in, CountDownLatch done) {
        try {
            byte[] buffer = new byte[256];
            while (in.read(buffer) >= 0) {
                // input is not a command; only its end matters
            }
        } catch (IOException e) {
            // an unreadable stdin is as good as a closed one
        }
        done.countDown();
    }
}
