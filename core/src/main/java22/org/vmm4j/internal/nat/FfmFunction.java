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
 * Binds C functions through FFM: links the downcall, adapts it to the seam's all-{@code long} calling
 * shape, and returns it as a hidden copy of {@link FfmDowncall} that holds the handle as a constant.
 */
final class FfmFunction {
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    /** errno in a capture segment. */
    static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** The calling thread's errno capture segment, shared by every function. */
    static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static final byte[] TEMPLATE = NativeFunction.templateBytes("FfmDowncall");

    private FfmFunction() {}

    @SuppressWarnings("restricted") // the seam's downcalls; users grant --enable-native-access=org.vmm4j.core
    static NativeFunction bind(String name, Signature signature, MemorySegment address) {
        List<Linker.Option> options = new ArrayList<>();
        if (signature.firstVariadic() >= 0) {
            options.add(Linker.Option.firstVariadicArg(signature.firstVariadic()));
        }
        if (signature.errno()) {
            options.add(Linker.Option.captureCallState("errno"));
        }
        if (signature.critical()) {
            options.add(Linker.Option.critical(false));
        }
        MethodHandle raw = FfmAccess.LINKER.downcallHandle(
                address, FfmAccess.descriptor(signature), options.toArray(Linker.Option[]::new));
        MethodHandle handle = adapt(raw, signature);
        try {
            MethodHandles.Lookup copy = MethodHandles.lookup()
                    .defineHiddenClassWithClassData(TEMPLATE, List.of(handle, signature.errno()), true);
            MethodHandle constructor = copy.findConstructor(
                    copy.lookupClass(), MethodType.methodType(void.class, String.class, Signature.class));
            return (NativeFunction) constructor.invoke(name, signature);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot define the downcall class for " + name, t);
        }
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
}
