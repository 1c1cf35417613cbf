package org.vmm4j.linux.internal;

import static org.vmm4j.internal.nat.CType.POINTER;
import static org.vmm4j.internal.nat.CType.VOID;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.internal.nat.NativeCallback;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;
import org.vmm4j.linux.abi.LibvirtLayout;
import org.vmm4j.linux.guest.LibvirtException;

/**
 * Turns libvirt failures into {@link LibvirtException}s.
 *
 * <p>vmm4j installs its own global error handler ({@code virSetErrorFunc}), which replaces libvirt's
 * default one that prints every error to stderr. The handler runs on the thread whose call failed,
 * inside that call, so it records the error in a Java thread-local: that stays right even for a
 * virtual thread that moves to another carrier between the failing call and the check, where
 * libvirt's own thread-local ({@code virGetLastError}) would belong to the wrong OS thread. The
 * libvirt thread-local is the fallback and is reset after every failure.
 */
public final class LibvirtErrors {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtErrors.class);

    private record Reported(int code, int domain, String message) {}

    private static final ThreadLocal<Reported> LAST = new ThreadLocal<>();
    private static volatile Libvirt libvirt;

    @SuppressWarnings("unused") // kept reachable for as long as libvirt may call it
    private static NativeCallback handler;

    private LibvirtErrors() {}

    static void install(Libvirt lv) {
        libvirt = lv;
        try {
            var target = MethodHandles.lookup()
                    .findStatic(
                            LibvirtErrors.class, "onError", MethodType.methodType(void.class, long.class, long.class));
            handler = lv.access.upcall(target, Signature.of(VOID, POINTER, POINTER));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        lv.virSetErrorFunc.call(0, handler.address());
    }

    /** virErrorFunc: called by libvirt on the failing thread; must not throw. */
    @SuppressWarnings("unused") // an upcall target, found by name; its parameters are the C callback's
    private static void onError(long userData, long error) {
        try {
            if (error == 0) {
                return;
            }
            Libvirt lv = libvirt;
            NativeMemory e = lv.access.view(error, 16);
            String message = lv.access.readString(e.getLong(LibvirtLayout.ERROR_MESSAGE));
            LAST.set(new Reported(e.getInt(LibvirtLayout.ERROR_CODE), e.getInt(LibvirtLayout.ERROR_DOMAIN), message));
            LOG.debug("libvirt: {}", message);
        } catch (Throwable t) {
            // An exception escaping an upcall would end the JVM.
            LOG.warn("cannot read the error libvirt reported", t);
        }
    }

    /** The exception for the libvirt call {@code operation} that just failed on this thread. */
    public static LibvirtException failure(Libvirt lv, String operation) {
        Reported reported = LAST.get();
        LAST.remove();
        int code;
        int domain;
        String message;
        if (reported != null) {
            code = reported.code();
            domain = reported.domain();
            message = reported.message();
        } else {
            code = (int) lv.virGetLastErrorCode.call();
            domain = (int) lv.virGetLastErrorDomain.call();
            message = lv.access.readString(lv.virGetLastErrorMessage.call());
        }
        lv.virResetLastError.call();
        return new LibvirtException(operation, code, domain, message);
    }

    /** Throws for a negative result of a libvirt call returning int. */
    public static int check(Libvirt lv, long result, String operation) {
        if (result < 0) {
            throw failure(lv, operation);
        }
        return (int) result;
    }

    /**
     * Throws for a negative result of a call on a named object; the operation text
     * {@code "function(subject)"} is only built on failure, so the success path allocates nothing.
     */
    public static int check(Libvirt lv, long result, String function, String subject) {
        if (result < 0) {
            throw failure(lv, function + "(" + subject + ")");
        }
        return (int) result;
    }

    /** Throws for a NULL result of a call on a named object; see {@link #check(Libvirt, long, String, String)}. */
    public static long checkPointer(Libvirt lv, long result, String function, String subject) {
        if (result == 0) {
            throw failure(lv, function + "(" + subject + ")");
        }
        return result;
    }

    /** Throws for a NULL result of a libvirt call returning a pointer. */
    public static long checkPointer(Libvirt lv, long result, String operation) {
        if (result == 0) {
            throw failure(lv, operation);
        }
        return result;
    }

    /** Forgets an error a caller decided to ignore, so it cannot be blamed on a later call. */
    public static void discard(Libvirt lv) {
        LAST.remove();
        lv.virResetLastError.call();
    }
}
