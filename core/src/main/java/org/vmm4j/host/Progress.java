package org.vmm4j.host;

import java.util.Objects;
import org.vmm4j.text.Message;

/**
 * One step of a long operation moving on. The step's name and the message are {@link Message}s, so an
 * application shows them in its reader's locale ({@link Message#render}); {@link #step()} and {@link
 * #message()} give them in English. Two reports are equal when they read the same in English.
 *
 * @param stepName  the step's name ("download image", "wait for SSH")
 * @param index     the step's position, from 1
 * @param total     how many steps there are
 * @param fraction  how far the step is, 0.0 to 1.0, or -1 when it cannot tell
 * @param status    what is happening, for people
 */
public record Progress(Message stepName, int index, int total, double fraction, Message status) {

    public Progress {
        Objects.requireNonNull(stepName, "stepName");
        Objects.requireNonNull(status, "status");
    }

    /** A report whose texts have no key (they read the same in every locale). */
    public Progress(String step, int index, int total, double fraction, String message) {
        this(Message.literal(step), index, total, fraction, Message.literal(message));
    }

    /** The step's name in English. */
    public String step() {
        return stepName.english();
    }

    /** What is happening, in English. */
    public String message() {
        return status.english();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Progress p
                && index == p.index
                && total == p.total
                && Double.compare(fraction, p.fraction) == 0
                && step().equals(p.step())
                && message().equals(p.message());
    }

    @Override
    public int hashCode() {
        return Objects.hash(step(), index, total, fraction, message());
    }

    @Override
    public String toString() {
        return "Progress[" + index + "/" + total + " " + step() + ": " + message() + " (" + fraction + ")]";
    }
}
