package org.vmm4j.internal.nat;

import java.util.List;
import java.util.Objects;

/**
 * A C function's signature as the seam needs it.
 *
 * @param result       the return type
 * @param parameters   the parameter types, fixed and variadic
 * @param firstVariadic index of the first variadic parameter, or -1 for a non-variadic function
 * @param errno        whether the function reports failure as {@code -1} plus {@code errno}; calls to such a
 *                     function return {@code -errno} instead of {@code -1}
 * @param critical     whether the call is short and never blocks (a "trivial" downcall); never set this
 *                     for anything that can block, such as KVM_RUN, poll or read
 */
public record Signature(CType result, List<CType> parameters, int firstVariadic, boolean errno, boolean critical) {

    public Signature {
        Objects.requireNonNull(result, "result");
        parameters = List.copyOf(parameters);
        if (parameters.contains(CType.VOID)) {
            throw new IllegalArgumentException("void is not a parameter type");
        }
        if (firstVariadic < -1 || firstVariadic > parameters.size()) {
            throw new IllegalArgumentException("firstVariadic out of range: " + firstVariadic);
        }
        if (critical && errno) {
            throw new IllegalArgumentException("a critical call cannot capture errno");
        }
    }

    public static Signature of(CType result, CType... parameters) {
        return new Signature(result, List.of(parameters), -1, false, false);
    }

    /** The parameters from {@code index} on are variadic (printf-style), e.g. ioctl's third. */
    public Signature variadicFrom(int index) {
        return new Signature(result, parameters, index, errno, critical);
    }

    /** Failure is {@code -1} with {@code errno}; the call returns {@code -errno}. */
    public Signature withErrno() {
        return new Signature(result, parameters, firstVariadic, true, critical);
    }

    /** A short call that never blocks and never calls back into Java. */
    public Signature asCritical() {
        return new Signature(result, parameters, firstVariadic, errno, true);
    }
}
