package org.vmm4j.internal.nat;

import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.List;

/**
 * The template of an FFM downcall. It is never used as it is: {@link FfmFunction} defines one hidden
 * copy of this class per bound C function, with that function's downcall handle and errno flag as
 * class data. In a copy they are {@code static final}, which the JIT treats as constants, so a call
 * inlines the downcall as jextract's generated code does; held in an instance field, the handle stayed
 * an opaque call that cost about 1% of a KVM exit (~50 ns) on the run loop.
 *
 * <p>The handle takes the errno capture segment first when the signature follows the errno
 * convention; the segment ({@link FfmFunction#CAPTURE}) is allocated once per thread, so a call
 * allocates nothing.
 */
final class FfmDowncall extends NativeFunction {
    private static final MethodHandle HANDLE;
    private static final boolean ERRNO;

    static {
        try {
            List<?> data = MethodHandles.classData(MethodHandles.lookup(), ConstantDescs.DEFAULT_NAME, List.class);
            HANDLE = (MethodHandle) data.get(0);
            ERRNO = (Boolean) data.get(1);
        } catch (IllegalAccessException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    FfmDowncall(String name, Signature signature) {
        super(name, signature);
    }

    private long finish(long result) {
        if (ERRNO && result == -1) {
            return -(int) FfmFunction.ERRNO.get(FfmFunction.CAPTURE.get(), 0L);
        }
        return result;
    }

    @Override
    public long call() {
        checkArity(0);
        try {
            return ERRNO ? finish((long) HANDLE.invokeExact(FfmFunction.CAPTURE.get())) : (long) HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a) {
        checkArity(1);
        try {
            return ERRNO
                    ? finish((long) HANDLE.invokeExact(FfmFunction.CAPTURE.get(), a))
                    : (long) HANDLE.invokeExact(a);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b) {
        checkArity(2);
        try {
            return ERRNO
                    ? finish((long) HANDLE.invokeExact(FfmFunction.CAPTURE.get(), a, b))
                    : (long) HANDLE.invokeExact(a, b);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c) {
        checkArity(3);
        try {
            return ERRNO
                    ? finish((long) HANDLE.invokeExact(FfmFunction.CAPTURE.get(), a, b, c))
                    : (long) HANDLE.invokeExact(a, b, c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c, long d) {
        checkArity(4);
        try {
            return ERRNO
                    ? finish((long) HANDLE.invokeExact(FfmFunction.CAPTURE.get(), a, b, c, d))
                    : (long) HANDLE.invokeExact(a, b, c, d);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c, long d, long e) {
        checkArity(5);
        try {
            return ERRNO
                    ? finish((long) HANDLE.invokeExact(FfmFunction.CAPTURE.get(), a, b, c, d, e))
                    : (long) HANDLE.invokeExact(a, b, c, d, e);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c, long d, long e, long f) {
        checkArity(6);
        try {
            return ERRNO
                    ? finish((long) HANDLE.invokeExact(FfmFunction.CAPTURE.get(), a, b, c, d, e, f))
                    : (long) HANDLE.invokeExact(a, b, c, d, e, f);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c, long d, long e, long f, long g) {
        checkArity(7);
        try {
            return ERRNO
                    ? finish((long) HANDLE.invokeExact(FfmFunction.CAPTURE.get(), a, b, c, d, e, f, g))
                    : (long) HANDLE.invokeExact(a, b, c, d, e, f, g);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long callArray(long... args) {
        checkArity(args.length);
        Object[] boxed = new Object[args.length + (ERRNO ? 1 : 0)];
        int i = 0;
        if (ERRNO) {
            boxed[i++] = FfmFunction.CAPTURE.get();
        }
        for (long arg : args) {
            boxed[i++] = arg;
        }
        try {
            long result = (long) HANDLE.invokeWithArguments(boxed);
            return finish(result);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
