package org.vmm4j.internal.nat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A bound C function. Arguments travel as {@code long} (narrowed to {@code int} where the signature
 * says so; pointers are addresses), the result comes back as {@code long} (sign-extended for
 * {@code int}). For a {@link Signature#errno() errno-convention} function a failure returns
 * {@code -errno}. The fixed-arity {@code call} methods allocate nothing.
 */
public abstract class NativeFunction {
    private final String name;
    private final Signature signature;

    protected NativeFunction(String name, Signature signature) {
        this.name = name;
        this.signature = signature;
    }

    public final String name() {
        return name;
    }

    public final Signature signature() {
        return signature;
    }

    public abstract long call();

    public abstract long call(long a);

    public abstract long call(long a, long b);

    public abstract long call(long a, long b, long c);

    public abstract long call(long a, long b, long c, long d);

    public abstract long call(long a, long b, long c, long d, long e);

    public abstract long call(long a, long b, long c, long d, long e, long f);

    /** Seven arguments: {@code syscall(2)}'s number and its six. */
    public abstract long call(long a, long b, long c, long d, long e, long f, long g);

    /** Any arity (allocates the array); for functions with more than seven parameters. */
    public abstract long callArray(long... args);

    protected final void checkArity(int count) {
        if (count != signature.parameters().size()) {
            throw new IllegalArgumentException(
                    name + " takes " + signature.parameters().size() + " arguments, called with " + count);
        }
    }

    /** What a method handle threw, as an unchecked exception (an Error is thrown as it is). */
    protected static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /**
     * The bytes of {@code template}, a class of this package that is copied as a hidden class per bound
     * function (JNA's direct-mapped binding, FFM's downcall with a constant handle).
     */
    static byte[] templateBytes(String template) {
        try (InputStream in = NativeFunction.class.getResourceAsStream(template + ".class")) {
            if (in == null) {
                throw new IllegalStateException(template + ".class is missing from the vmm4j-core JAR");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return name + signature.parameters();
    }
}
