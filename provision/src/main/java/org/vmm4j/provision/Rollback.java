package org.vmm4j.provision;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.vmm4j.text.Message;

/**
 * What a provisioning run has created, as undo actions run newest first. An undo that fails does not
 * stop the others; its exception is added to the failure being reported.
 */
final class Rollback {
    /** An undo action that may throw. */
    @FunctionalInterface
    interface Undo {
        void run() throws Exception;
    }

    private record Entry(Message done, Undo undo) {}

    private final Deque<Entry> entries = new ArrayDeque<>();

    /** Registers {@code undo}; {@code done} says what it did, e.g. "disk /x/web1.qcow2 deleted". */
    void add(Message done, Undo undo) {
        entries.push(new Entry(done, undo));
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Runs every undo action, newest first; returns what was undone. Failures become suppressed on {@code failure}. */
    List<Message> run(Throwable failure) {
        List<Message> done = new ArrayList<>();
        while (!entries.isEmpty()) {
            Entry e = entries.pop();
            try {
                e.undo().run();
                done.add(e.done());
            } catch (Exception | Error ex) {
                failure.addSuppressed(new IllegalStateException(
                        "rollback could not finish (" + e.done().english() + "): " + ex, ex));
            }
        }
        return done;
    }

    /** Forgets every undo action: the run succeeded and keeps what it made. */
    void commit() {
        entries.clear();
    }
}
