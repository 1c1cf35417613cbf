package org.vmm4j;

import org.vmm4j.text.Localized;
import org.vmm4j.text.Message;

/**
 * Base of every failure vmm4j reports. Unchecked, like {@link java.io.UncheckedIOException}: a failed
 * ioctl is rarely something a caller can recover from in place, and forcing {@code throws} clauses on
 * every register read would hide the calls that matter.
 *
 * <p>Where the failure comes from a system call, {@link #operation()} names it (for example
 * {@code "ioctl(KVM_CREATE_VM)"}) and {@link #errno()} carries the kernel's error number; otherwise
 * {@code errno()} is {@code 0}.
 *
 * <p>A failure that people read (a provisioning step's reason) is made from a {@link Message}, so
 * {@link #text()} renders it in the reader's locale; {@link #getMessage()} is its English text.
 */
public class VmmException extends RuntimeException implements Localized {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;

    /** Not serialized: a deserialized exception reads as its English message. */
    private final transient Message text;

    public VmmException(String message) {
        this(null, 0, message, null);
    }

    public VmmException(String message, Throwable cause) {
        this(null, 0, message, cause);
    }

    public VmmException(String operation, int errno, String message) {
        this(operation, errno, message, null);
    }

    public VmmException(String operation, int errno, String message, Throwable cause) {
        super(message, cause);
        this.operation = operation;
        this.errno = errno;
        this.text = null;
    }

    /** A failure for people: its message is {@code text} in English. */
    public VmmException(Message text) {
        this(text, null);
    }

    /** A failure for people with its cause: its message is {@code text} in English. */
    public VmmException(Message text, Throwable cause) {
        super(text.english(), cause);
        this.operation = null;
        this.errno = 0;
        this.text = text;
    }

    /**
     * What went wrong, for people in their locale ({@link Message#render}); a literal of
     * {@link #getMessage()} when the exception was made from a string.
     */
    @Override
    public Message text() {
        if (text != null) {
            return text;
        }
        String message = getMessage();
        return Message.literal(message == null ? getClass().getSimpleName() : message);
    }

    /** The operation that failed, e.g. {@code "ioctl(KVM_RUN)"}, or {@code null} when not a system call. */
    public String operation() {
        return operation;
    }

    /** The errno the kernel reported, or {@code 0} when the failure did not come from a system call. */
    public int errno() {
        return errno;
    }
}
