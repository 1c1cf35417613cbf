package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.VmmException;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestEventListener;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestStats;
import org.vmm4j.linux.guest.LibvirtGuestManager;
import org.vmm4j.testsupport.Await;
import org.vmm4j.testsupport.RequiresHost;

/**
 * {@code vmm4j guests} against libvirt's test driver. test:///default keeps its state per connection,
 * so commands that must see each other's effects share one connection ({@link #shared}); the others go
 * through {@link Cli#run} with {@code --uri}, each with a fresh connection.
 */
@RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
class GuestsCommandTest {
    private static final String URI = "test:///default";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private GuestManager connection;

    @BeforeEach
    void connect() {
        connection = LibvirtGuestManager.connect(URI);
    }

    @AfterEach
    void close() {
        if (connection != null) {
            connection.close();
        }
    }

    private int cli(String... args) {
        return Cli.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Runs {@code vmm4j guests ARGS} on the test's one connection. */
    private int shared(String... args) throws Exception {
        return shared(InputStream.nullInputStream(), args);
    }

    private int shared(InputStream stdin, String... args) throws Exception {
        out.reset();
        err.reset();
        return new GuestsCommand(uri -> new Borrowed(connection), stdin)
                .run(
                        args,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void listShowsTheTestDriversRunningStockGuest() {
        assertEquals(0, cli("guests", "--uri", URI, "list"), err());
        List<String> lines = out().lines().toList();
        assertTrue(lines.get(0).startsWith("NAME"), out());
        assertEquals(2, lines.size(), out());
        assertTrue(lines.get(1).matches("test\\s+running\\s+2\\s+2048 MiB\\s+.*"), out());
    }

    @Test
    void listInactiveLeavesOutTheRunningGuest() {
        assertEquals(0, cli("guests", "--uri", URI, "list", "--inactive"), err());
        assertEquals(1, out().lines().count(), out());
    }

    @Test
    void infoShowsStateMemoryAndUuid() {
        assertEquals(0, cli("guests", "--uri=" + URI, "info", "test"), err());
        String text = out();
        assertTrue(text.contains("name         test\n"), text);
        assertTrue(text.contains("state        running"), text);
        assertTrue(text.contains("memory       2048 MiB (max 8192 MiB)"), text);
        assertTrue(text.contains("uuid         6695eb01-f6a4-8304-79aa-97f2502e193f"), text);
    }

    @Test
    void stopThenStartChangesTheListedState() throws Exception {
        assertEquals(0, shared("stop", "test", "--timeout", "5"), err());
        assertEquals("stopped test\n", out());
        assertEquals(0, shared("list"));
        assertTrue(out().contains("\ntest "), out());
        assertTrue(out().matches("(?s).*test\\s+stopped.*"), out());
        assertEquals(0, shared("start", "test"), err());
        assertEquals("started test\n", out());
        assertEquals(0, shared("list", "--active"));
        assertTrue(out().matches("(?s).*test\\s+running.*"), out());
    }

    @Test
    void forcedStopDestroys() throws Exception {
        assertEquals(0, shared("stop", "--force", "test"), err());
        assertEquals("stopped test (forced)\n", out());
        assertEquals(0, shared("info", "test"));
        assertTrue(out().contains("state        stopped"), out());
    }

    @Test
    void deleteRefusesARunningGuestAndRemovesAStoppedOne() throws Exception {
        assertEquals(1, cli("guests", "--uri", URI, "delete", "test"));
        assertTrue(err().contains("guest 'test' is running; stop it first"), err());
        assertEquals(0, shared("stop", "--force", "test"));
        assertEquals(0, shared("delete", "test", "--snapshots"), err());
        assertEquals("deleted test and its snapshots\n", out());
        assertEquals(0, shared("list"));
        assertFalse(out().contains("test"), out());
    }

    @Test
    void deleteReportsWhatTheManagerRefusesAndKeepsTheGuest() throws Exception {
        assertEquals(0, shared("stop", "--force", "test"));
        // libvirt's test driver has no NVRAM, so it rejects VIR_DOMAIN_UNDEFINE_NVRAM; the CLI prints this and exits 1.
        VmmException e = assertThrows(VmmException.class, () -> shared("delete", "test", "--nvram"));
        assertTrue(e.getMessage().contains("unsupported flags"), e.getMessage());
        assertEquals(0, shared("list"));
        assertTrue(out().matches("(?s).*test\\s+stopped.*"), out());
    }

    @Test
    void snapshotCreateListRevertDelete() throws Exception {
        assertEquals(0, shared("snapshot", "test", "create", "before", "--description", "first one"), err());
        assertEquals("created snapshot before of test\n", out());
        assertEquals(0, shared("snapshot", "test", "list"), err());
        List<String> lines = out().lines().toList();
        assertEquals(2, lines.size(), out());
        assertTrue(lines.get(1).matches("before\\s+\\S+\\s+running\\s+yes\\s+no\\s+first one"), out());
        assertEquals(0, shared("snapshot", "test", "revert", "before"), err());
        assertEquals("reverted test to snapshot before\n", out());
        assertEquals(0, shared("snapshot", "test", "delete", "before"), err());
        assertEquals(0, shared("snapshot", "test", "list"));
        assertEquals(1, out().lines().count(), out());
    }

    @Test
    void eventsSeesAStopMadeOnTheSameConnection() throws Exception {
        PipedOutputStream keepOpen = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(keepOpen);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> events = pool.submit(() -> shared(stdin, "events", "--count", "1"));
            Await.until(
                    "the events command to say it listens on " + URI,
                    Duration.ofSeconds(10),
                    () -> err().contains("listening for guest events on " + URI));
            Guest test = connection.find("test").orElseThrow();
            test.destroy();
            test.close();
            assertEquals(0, events.get(10, TimeUnit.SECONDS));
            List<String> lines = out().lines().toList();
            assertEquals(2, lines.size(), out());
            assertTrue(lines.get(1).matches("\\S+\\s+test\\s+STOPPED\\s+\\d+"), out());
        } finally {
            keepOpen.close();
            pool.shutdownNow();
        }
    }

    @Test
    void eventsEndWhenStandardInputCloses() throws Exception {
        assertEquals(0, shared(InputStream.nullInputStream(), "events"));
        assertEquals(1, out().lines().count(), out());
    }

    @Test
    void unknownGuestFailsNamingTheUri() {
        assertEquals(1, cli("guests", "--uri", URI, "info", "nope"));
        assertTrue(err().contains("vmm4j guests: no guest 'nope' on test:///default"), err());
        assertEquals(1, cli("guests", "--uri", URI, "snapshot", "nope", "list"));
    }

    @Test
    void unknownCommandsAndOptionsFailWithUsage() {
        assertEquals(2, cli("guests", "--uri", URI, "frobnicate"));
        assertTrue(err().contains("unknown guests command 'frobnicate' (usage: vmm4j guests"), err());
        assertEquals(2, cli("guests", "--uri", URI, "stop", "test", "--bogus"));
        assertTrue(err().contains("unknown option --bogus"), err());
        assertEquals(2, cli("guests", "--uri", URI, "stop", "test", "--timeout", "soon"));
        assertTrue(err().contains("--timeout wants a whole number of at least 0, not 'soon'"), err());
        assertEquals(2, cli("guests", "--uri", URI, "start"));
        assertTrue(err().contains("missing the guest's NAME"), err());
        assertEquals(2, cli("guests", "--uri", URI, "snapshot", "test", "undo", "x"));
        assertTrue(err().contains("unknown snapshot command 'undo'"), err());
        assertEquals(2, cli("guests"));
        assertTrue(err().contains("missing a guests command"), err());
    }

    @Test
    void consoleUsageErrorsAndAGuestWithoutAConsoleFailClearly() {
        assertEquals(2, cli("guests", "--uri", URI, "console"));
        assertTrue(err().contains("missing the guest's NAME (usage: vmm4j guests [--uri U] console NAME"), err());
        assertEquals(2, cli("guests", "--uri", URI, "console", "test", "--count", "3"));
        assertTrue(err().contains("--count"), err());
        assertEquals(2, cli("guests", "--uri", URI, "console", "test", "--wait-for", ""));
        assertTrue(err().contains("--wait-for wants a non-empty text"), err());
        assertEquals(1, cli("guests", "--uri", URI, "console", "nope"));
        assertTrue(err().contains("no guest 'nope' on test:///default"), err());
        // the test driver's stock guest runs without a serial console
        assertEquals(1, cli("guests", "--uri", URI, "console", "test"));
        assertTrue(err().contains("vmm4j guests: guest 'test' has no serial console"), err());
    }

    @Test
    void unknownUriFailsWithLibvirtsReason() {
        assertEquals(1, cli("guests", "--uri", "nosuchdriver:///x", "list"));
        assertTrue(err().startsWith("vmm4j guests: "), err());
    }

    /** The test's connection, lent to one command, which closes what it is given. */
    private record Borrowed(GuestManager m) implements GuestManager {
        @Override
        public String kind() {
            return m.kind();
        }

        @Override
        public String uri() {
            return m.uri();
        }

        @Override
        public List<Guest> list(GuestFilter filter) {
            return m.list(filter);
        }

        @Override
        public Optional<Guest> find(String name) {
            return m.find(name);
        }

        @Override
        public Optional<Guest> find(UUID uuid) {
            return m.find(uuid);
        }

        @Override
        public Guest define(GuestSpec spec) {
            return m.define(spec);
        }

        @Override
        public AutoCloseable addListener(GuestEventListener listener) {
            return m.addListener(listener);
        }

        @Override
        public List<GuestStats> stats(GuestFilter filter) {
            return m.stats(filter);
        }

        @Override
        public void close() {
            // the test closes the connection
        }
    }
}
