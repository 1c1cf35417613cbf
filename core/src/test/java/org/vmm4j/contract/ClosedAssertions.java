package org.vmm4j.contract;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.function.Executable;

/** The one shape of a use-after-close failure every contract checks: an {@link IllegalStateException} naming what is closed. */
final class ClosedAssertions {
    private ClosedAssertions() {}

    /**
     * Asserts that {@code call} throws {@link IllegalStateException} whose message says "closed" and
     * names the closed object by one of {@code names} (case-insensitive).
     */
    static void assertClosed(String call, Executable executable, String... names) {
        IllegalStateException e = assertThrows(
                IllegalStateException.class, executable, call + " on a closed object must throw IllegalStateException");
        String message = e.getMessage();
        assertNotNull(message, call + ": the IllegalStateException has no message");
        String lower = message.toLowerCase(Locale.ROOT);
        assertTrue(lower.contains("closed"), call + ": message does not say closed: " + message);
        boolean named = false;
        for (String name : names) {
            named |= lower.contains(name.toLowerCase(Locale.ROOT));
        }
        assertTrue(named, call + ": message names none of " + String.join(", ", names) + ": " + message);
    }

    /** Asserts that {@code call} throws {@link IllegalArgumentException} whose message mentions {@code word}. */
    static IllegalArgumentException assertRejected(String call, String word, Executable executable) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, executable, call + " must throw IllegalArgumentException");
        String message = e.getMessage();
        assertNotNull(message, call + ": the IllegalArgumentException has no message");
        assertTrue(
                message.toLowerCase(Locale.ROOT).contains(word.toLowerCase(Locale.ROOT)),
                call + ": message does not mention \"" + word + "\": " + message);
        return e;
    }
}
