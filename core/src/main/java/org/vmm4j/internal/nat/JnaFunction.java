package org.vmm4j.internal.nat;

import com.sun.jna.Function;
import com.sun.jna.Native;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

/**
 * A C function bound through JNA direct mapping, adapted to the seam's all-{@code long} calling shape.
 *
 * <p>Direct mapping binds Java {@code native} methods to a symbol once, and a call with primitive
 * arguments then allocates nothing. Because a class's native methods can be bound only once, each
 * function gets its own hidden copy of {@link JnaDirect} (JDK 15+ {@code Lookup#defineHiddenClass}),
 * whose methods are registered against the function's symbol; the one of the signature's shape is
 * kept as a method handle. After a call JNA stores {@code errno} per thread, and
 * {@link Native#getLastError()} reads it back without allocating.
 *
 * <p>{@link #callArray} with more than seven arguments goes through {@link Function#invoke}, which boxes
 * every argument: allocation per call, as the seam's contract allows for that method.
 */
final class JnaFunction extends NativeFunction {
    private static final int MAX_DIRECT_ARITY = 7;
    private static final byte[] TEMPLATE = templateBytes("JnaDirect");

    private final MethodHandle handle;
    private final Function function;
    private final boolean errno;

    private JnaFunction(String name, Signature signature, MethodHandle handle, Function function) {
        super(name, signature);
        this.handle = handle;
        this.function = function;
        this.errno = signature.errno();
    }

    /** Binds {@code symbol} of {@code library}; the symbol must exist. */
    static JnaFunction bind(com.sun.jna.NativeLibrary library, String symbol, Signature signature) {
        Function function = library.getFunction(symbol);
        int arity = signature.parameters().size();
        MethodHandle handle = arity <= MAX_DIRECT_ARITY ? direct(library, symbol, signature) : null;
        return new JnaFunction(symbol, signature, handle, function);
    }

    /** {@code (long x arity) -> long} over a fresh direct-mapped copy of {@link JnaDirect}. */
    private static MethodHandle direct(com.sun.jna.NativeLibrary library, String symbol, Signature signature) {
        int arity = signature.parameters().size();
        MethodHandles.Lookup hidden;
        try {
            hidden = MethodHandles.lookup().defineHiddenClass(TEMPLATE, true);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot define a direct-mapped binding for " + symbol, e);
        }
        Class<?> binding = hidden.lookupClass();
        JnaLibrary.SYMBOLS.bind(binding, symbol);
        try {
            Native.register(binding, library);
        } finally {
            JnaLibrary.SYMBOLS.unbind(binding);
        }
        boolean intResult = signature.result() == CType.INT;
        Class<?>[] parameters = new Class<?>[arity];
        Arrays.fill(parameters, long.class);
        MethodType type = MethodType.methodType(intResult ? int.class : long.class, parameters);
        MethodHandle raw;
        try {
            raw = hidden.findStatic(binding, (intResult ? "i" : "l") + arity, type);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("direct-mapped binding for " + symbol + " lacks its " + type + " shape", e);
        }
        if (signature.result() == CType.VOID) {
            // The register holds garbage after a void function: the seam returns 0.
            raw = MethodHandles.filterReturnValue(
                    raw, MethodHandles.dropArguments(MethodHandles.constant(long.class, 0L), 0, long.class));
        }
        // int -> long sign-extends, as the FFM side does for C int results.
        return MethodHandles.explicitCastArguments(raw, type.changeReturnType(long.class));
    }

    private long finish(long result) {
        if (errno && result == -1) {
            return -Native.getLastError();
        }
        return result;
    }

    @Override
    public long call() {
        checkArity(0);
        try {
            return finish((long) handle.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a) {
        checkArity(1);
        try {
            return finish((long) handle.invokeExact(a));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b) {
        checkArity(2);
        try {
            return finish((long) handle.invokeExact(a, b));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c) {
        checkArity(3);
        try {
            return finish((long) handle.invokeExact(a, b, c));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c, long d) {
        checkArity(4);
        try {
            return finish((long) handle.invokeExact(a, b, c, d));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c, long d, long e) {
        checkArity(5);
        try {
            return finish((long) handle.invokeExact(a, b, c, d, e));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c, long d, long e, long f) {
        checkArity(6);
        try {
            return finish((long) handle.invokeExact(a, b, c, d, e, f));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long call(long a, long b, long c, long d, long e, long f, long g) {
        checkArity(7);
        try {
            return finish((long) handle.invokeExact(a, b, c, d, e, f, g));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long callArray(long... args) {
        checkArity(args.length);
        switch (args.length) {
            case 0:
                return call();
            case 1:
                return call(args[0]);
            case 2:
                return call(args[0], args[1]);
            case 3:
                return call(args[0], args[1], args[2]);
            case 4:
                return call(args[0], args[1], args[2], args[3]);
            case 5:
                return call(args[0], args[1], args[2], args[3], args[4]);
            case 6:
                return call(args[0], args[1], args[2], args[3], args[4], args[5]);
            case 7:
                return call(args[0], args[1], args[2], args[3], args[4], args[5], args[6]);
            default:
                break;
        }
        Object[] boxed = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            boxed[i] = args[i];
        }
        long result = switch (signature().result()) {
            case INT -> function.invokeInt(boxed);
            case LONG, POINTER -> function.invokeLong(boxed);
            case VOID -> {
                function.invokeVoid(boxed);
                yield 0L;
            }
        };
        return finish(result);
    }
}
