package org.vmm4j.linux.guest;

import org.vmm4j.VmmException;

/**
 * A failed libvirt call, carrying libvirt's error code ({@code virErrorNumber}), error domain
 * ({@code virErrorDomain}) and message as libvirt reported them on the calling thread.
 */
public class LibvirtException extends VmmException {
    private static final long serialVersionUID = 1L;

    /** VIR_ERR_NO_DOMAIN: no guest with that name or UUID. */
    public static final int NO_DOMAIN = 42;
    /** VIR_ERR_OPERATION_INVALID: the object is in the wrong state for the operation. */
    public static final int OPERATION_INVALID = 55;
    /** VIR_ERR_NO_NETWORK. */
    public static final int NO_NETWORK = 43;
    /** VIR_ERR_NO_STORAGE_POOL. */
    public static final int NO_STORAGE_POOL = 49;
    /** VIR_ERR_NO_STORAGE_VOL. */
    public static final int NO_STORAGE_VOL = 50;
    /** VIR_ERR_NO_DOMAIN_SNAPSHOT. */
    public static final int NO_DOMAIN_SNAPSHOT = 72;
    /** VIR_ERR_XML_ERROR. */
    public static final int XML_ERROR = 27;
    /** VIR_ERR_NO_CONNECT: no driver for the URI. */
    public static final int NO_CONNECT = 5;
    /** VIR_ERR_SYSTEM_ERROR: an OS call failed (e.g. the daemon socket is missing). */
    public static final int SYSTEM_ERROR = 38;

    private final int code;
    private final int domain;
    private final String libvirtMessage;

    public LibvirtException(String operation, int code, int domain, String libvirtMessage) {
        super(
                operation,
                0,
                operation + " failed: " + (libvirtMessage == null ? "unknown libvirt error" : libvirtMessage)
                        + " (libvirt error " + code + ", domain " + domain + ")");
        this.code = code;
        this.domain = domain;
        this.libvirtMessage = libvirtMessage;
    }

    /** libvirt's {@code virErrorNumber}, e.g. {@link #NO_DOMAIN}; 0 when libvirt reported none. */
    public int code() {
        return code;
    }

    /** libvirt's {@code virErrorDomain}: which part of libvirt raised it (e.g. 12 = test driver, 10 = qemu). */
    public int domain() {
        return domain;
    }

    /** The message exactly as libvirt formatted it. */
    public String libvirtMessage() {
        return libvirtMessage;
    }
}
