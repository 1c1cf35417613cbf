package org.vmm4j.internal.nat;

/**
 * The C types the seam passes. Everything is an integer class on LP64 x86-64 (Linux, FreeBSD and
 * OpenBSD all use the System V ABI), so pointers travel as {@code long} addresses: no wrapper object
 * is created per call.
 */
public enum CType {
    VOID,
    INT,
    LONG,
    POINTER
}
