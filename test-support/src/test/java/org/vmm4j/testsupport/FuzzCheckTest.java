package org.vmm4j.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FuzzCheckTest {
    private final FuzzCheck check = FuzzCheck.of(Duration.ofMillis(500), 1 << 20, UncheckedIOException.class);

    @Test
    void aNormalReturnOrADocumentedExceptionWithAMessagePasses() {
        assertNull(check.run("ok", () -> {}));
        Exception e = check.run("refused", () -> {
            throw new UncheckedIOException("bad header", new IOException("x"));
        });
        assertEquals("bad header", e.getMessage());
    }

    @Test
    void anUndocumentedTypeAnErrorOrABlankMessageIsAFinding() {
        AssertionError other = assertThrows(
                AssertionError.class,
                () -> check.run("in", () -> {
                    throw new IndexOutOfBoundsException();
                }));
        assertTrue(other.getMessage().startsWith("in: threw java.lang.IndexOutOfBoundsException"), other.getMessage());
        AssertionError error = assertThrows(AssertionError.class, () -> check.run("deep", () -> recurse(0)));
        assertTrue(error.getMessage().contains("StackOverflowError"), error.getMessage());
        AssertionError blank = assertThrows(
                AssertionError.class,
                () -> check.run("blank", () -> {
                    throw new UncheckedIOException(" ", new IOException());
                }));
        assertTrue(blank.getMessage().contains("without a message"), blank.getMessage());
    }

    @Test
    void aHangAndALargeAllocationAreFindingsAndTheNextInputStillRuns() {
        AssertionError hang = assertThrows(
                AssertionError.class,
                () -> check.run("spin", () -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.onSpinWait();
                    }
                }));
        assertTrue(hang.getMessage().contains("still running after PT0.5S"), hang.getMessage());
        AssertionError big = assertThrows(
                AssertionError.class,
                () -> check.run("big", () -> {
                    byte[] b = new byte[4 << 20];
                    assertEquals(0, b[b.length - 1]);
                }));
        assertTrue(big.getMessage().contains("more than the bound of 1048576"), big.getMessage());
        assertNull(check.run("after", () -> {}));
    }

    @Test
    void anAllocationFreeCheckJudgesTheSecondRunAndBoundsRefusalsApart() {
        FuzzCheck none = FuzzCheck.allocatingNothing(Duration.ofSeconds(1), IllegalStateException.class)
                .refusalsWithin(64 << 10);
        int[] runs = {0};
        // allocates on its first run only, as class loading does: judged by the second
        assertNull(none.run("warming", () -> {
            if (runs[0]++ == 0) {
                assertEquals(0, (new byte[1 << 16])[0]);
            }
        }));
        assertEquals(2, runs[0], "run again after allocating");
        AssertionError always = assertThrows(
                AssertionError.class, () -> none.run("allocating", () -> assertEquals(0, (new long[16])[0])));
        assertTrue(always.getMessage().contains("more than the bound of " + FuzzCheck.nothing()), always.getMessage());
        // a refusal may allocate its exception, within its own bound
        assertInstanceOf(IllegalStateException.class, none.run("refused", () -> {
            throw new IllegalStateException("refused: " + new byte[100].length);
        }));
        AssertionError bigRefusal = assertThrows(
                AssertionError.class,
                () -> none.run("big refusal", () -> {
                    throw new IllegalStateException("refused " + new byte[1 << 20].length);
                }));
        assertTrue(bigRefusal.getMessage().contains("more than the bound of 65536"), bigRefusal.getMessage());
        int[] flips = {0};
        AssertionError changed = assertThrows(
                AssertionError.class,
                () -> none.run("changing", () -> {
                    if (flips[0]++ == 0) {
                        assertEquals(0, (new byte[1 << 16])[0]);
                        throw new IllegalStateException("first time only");
                    }
                }));
        assertTrue(
                changed.getMessage()
                        .contains("ended with java.lang.IllegalStateException, then with a result on a second run"),
                changed.getMessage());
        assertThrows(IllegalArgumentException.class, () -> none.refusalsWithin(0));
    }

    @Test
    void aCheckNeedsLimitsAndExceptionTypes() {
        assertThrows(IllegalArgumentException.class, () -> FuzzCheck.of(Duration.ZERO, 1, RuntimeException.class));
        assertThrows(IllegalArgumentException.class, () -> FuzzCheck.of(Duration.ofSeconds(1), 1));
        assertThrows(IllegalArgumentException.class, () -> FuzzCheck.of(Duration.ofSeconds(1), 1, String.class));
    }

    private static int recurse(int depth) {
        return depth == Integer.MAX_VALUE ? depth : recurse(depth + 1) + 1;
    }
}
