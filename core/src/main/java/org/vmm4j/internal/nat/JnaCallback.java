package org.vmm4j.internal.nat;

import com.sun.jna.CallbackProxy;
import com.sun.jna.CallbackReference;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;

/**
 * An upcall through a JNA callback. The signature is only known at run time, so this is a
 * {@link CallbackProxy}: JNA builds the C function pointer from {@link #getParameterTypes()} and
 * {@link #getReturnType()} and hands each call's arguments over boxed (upcalls allocate; none is on a
 * hot path).
 *
 * <p>JNA frees the trampoline when the callback object becomes unreachable. This object holds it
 * strongly until {@link #close()}; after close the pointer must not be called (as with FFM).
 */
final class JnaCallback implements NativeCallback, CallbackProxy {
    private final MethodHandle target;
    private final Class<?>[] parameterTypes;
    private final Class<?> returnType;
    private final long address;
    private volatile boolean closed;

    JnaCallback(MethodHandle target, Signature signature) {
        parameterTypes = new Class<?>[signature.parameters().size()];
        for (int i = 0; i < parameterTypes.length; i++) {
            parameterTypes[i] = javaType(signature.parameters().get(i));
        }
        returnType = signature.result() == CType.VOID ? void.class : javaType(signature.result());
        MethodType expected = MethodType.methodType(returnType, parameterTypes);
        if (!target.type().equals(expected)) {
            throw new IllegalArgumentException("upcall target type " + target.type() + " does not match " + expected);
        }
        this.target = target.asSpreader(Object[].class, parameterTypes.length);
        this.address = com.sun.jna.Pointer.nativeValue(CallbackReference.getFunctionPointer(this));
    }

    private static Class<?> javaType(CType type) {
        return switch (type) {
            case INT -> int.class;
            case LONG, POINTER -> long.class;
            case VOID -> throw new IllegalArgumentException("void is not a value type");
        };
    }

    @Override
    public long address() {
        return address;
    }

    @Override
    public Object callback(Object[] args) {
        if (closed) {
            throw new IllegalStateException("upcall at 0x" + Long.toHexString(address) + " called after close");
        }
        try {
            return target.invoke(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public Class<?>[] getParameterTypes() {
        return parameterTypes.clone();
    }

    @Override
    public Class<?> getReturnType() {
        return returnType;
    }

    @Override
    public void close() {
        closed = true;
    }
}
