package org.vmm4j.internal.nat;

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

    /** Any arity (allocates the array); for functions with more than six parameters. */
    public abstract long callArray(long... args);

    protected final void checkArity(int count) {
        if (count != signature.parameters().size()) {
            throw new IllegalArgumentException(name + " takes " + signature.parameters().size()
                    + " arguments, called with " + count);
        }
    }

    @Override
    public String toString() {
        return name + signature.parameters();
    }
}
