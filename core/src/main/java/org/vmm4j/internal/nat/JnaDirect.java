package org.vmm4j.internal.nat;

/**
 * The template of a JNA direct-mapped binding. It is never used as it is: {@link JnaFunction} defines
 * one hidden copy of this class per bound C function and registers every native method of the copy
 * against that one function ({@code com.sun.jna.Native#register} with a function mapper), then calls
 * the method of the right shape. A direct-mapped call with primitive arguments allocates nothing,
 * which {@code com.sun.jna.Function#invoke(Object[])} (boxing, argument arrays) cannot offer.
 *
 * <p>All parameters are {@code long}: on the System V x86-64 ABI an {@code int} argument travels in
 * the low half of the same register, so a {@code long} carries it. Results are {@code int} (the upper
 * half of the register is undefined for a C {@code int}) or {@code long} (also used for {@code void}
 * and pointers).
 */
final class JnaDirect {
    private JnaDirect() {}

    static native int i0();

    static native int i1(long a);

    static native int i2(long a, long b);

    static native int i3(long a, long b, long c);

    static native int i4(long a, long b, long c, long d);

    static native int i5(long a, long b, long c, long d, long e);

    static native int i6(long a, long b, long c, long d, long e, long f);

    static native int i7(long a, long b, long c, long d, long e, long f, long g);

    static native long l0();

    static native long l1(long a);

    static native long l2(long a, long b);

    static native long l3(long a, long b, long c);

    static native long l4(long a, long b, long c, long d);

    static native long l5(long a, long b, long c, long d, long e);

    static native long l6(long a, long b, long c, long d, long e, long f);

    static native long l7(long a, long b, long c, long d, long e, long f, long g);
}
