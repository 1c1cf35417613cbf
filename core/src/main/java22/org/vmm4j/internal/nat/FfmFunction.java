package org.vmm4j.internal.nat;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A downcall handle adapted to the seam's all-{@code long} calling shape. When the signature follows
 * the errno convention the handle captures errno into a per-thread segment (allocated once per
 * thread), so a call allocates nothing.
 */
final class FfmFunction extends NativeFunction {
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private final MethodHandle handle;
    private final boolean errno;
    private final int arity;

    FfmFunction(String name, Signature signature, MemorySegment address) {
        super(name, signature);
        this.errno = signature.errno();
        this.arity = signature.parameters().size();
        List<Linker.Option> options = new ArrayList<>();
        if (signature.firstVariadic() >= 0) {
            options.add(Linker.Option.firstVariadicArg(signature.firstVariadic()));
        }
        if (errno) {
            options.add(Linker.Option.captureCallState("errno"));
        }
        if (signature.critical()) {
            options.add(Linker.Option.critical(false));
        }
        MethodHandle raw = FfmAccess.LINKER.downcallHandle(address, FfmAccess.descriptor(signature),
                options.toArray(Linker.Option[]::new));
        handle = adapt(raw, signature);
    }

    /** (capture?, long...) -> long, whatever the C types. */
    private static MethodHandle adapt(MethodHandle raw, Signature signature) {
        List<Class<?>> params = new ArrayList<>();
        if (signature.errno()) {
            params.add(MemorySegment.class);
        }
        for (int i = 0; i < signature.parameters().size(); i++) {
            params.add(long.class);
        }
        MethodHandle h = signature.result() == CType.VOID
                ? MethodHandles.filterReturnValue(raw, MethodHandles.constant(long.class, 0L))
                : raw;
        return MethodHandles.explicitCastArguments(h, MethodType.methodType(long.class, params));
    }

    private long finish(long result) {
        if (errno && result == -1) {
            return -(int) ERRNO.get(CAPTURE.get(), 0L);
        }
        return result;
    }

    @Override
    public long call() {
        checkArity(0);
        try {
            return errno ? finish((long) handle.invokeExact(CAPTURE.get())) : (long) handle.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a) {
        checkArity(1);
        try {
            return errno ? finish((long) handle.invokeExact(CAPTURE.get(), a)) : (long) handle.invokeExact(a);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b) {
        checkArity(2);
        try {
            return errno ? finish((long) handle.invokeExact(CAPTURE.get(), a, b)) : (long) handle.invokeExact(a, b);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c) {
        checkArity(3);
        try {
            return errno ? finish((long) handle.invokeExact(CAPTURE.get(), a, b, c))
                    : (long) handle.invokeExact(a, b, c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c, long d) {
        checkArity(4);
        try {
            return errno ? finish((long) handle.invokeExact(CAPTURE.get(), a, b, c, d))
                    : (long) handle.invokeExact(a, b, c, d);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c, long d, long e) {
        checkArity(5);
        try {
            return errno ? finish((long) handle.invokeExact(CAPTURE.get(), a, b, c, d, e))
                    : (long) handle.invokeExact(a, b, c, d, e);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c, long d, long e, long f) {
        checkArity(6);
        try {
            return errno ? finish((long) handle.invokeExact(CAPTURE.get(), a, b, c, d, e, f))
                    : (long) handle.invokeExact(a, b, c, d, e, f);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long callArray(long... args) {
        checkArity(args.length);
        Object[] boxed = new Object[args.length + (errno ? 1 : 0)];
        int i = 0;
        if (errno) {
            boxed[i++] = CAPTURE.get();
        }
        for (long arg : args) {
            boxed[i++] = arg;
        }
        try {
            long result = (long) handle.invokeWithArguments(boxed);
            return finish(result);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
