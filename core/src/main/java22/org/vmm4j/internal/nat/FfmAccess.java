package org.vmm4j.internal.nat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import org.vmm4j.VmmException;

/** The native seam over {@code java.lang.foreign} (JDK 22+). */
@SuppressWarnings("restricted") // the seam's purpose; users grant --enable-native-access=org.vmm4j.core
final class FfmAccess extends NativeAccess {
    static final Linker LINKER = Linker.nativeLinker();

    private final NativeLibrary libc;

    FfmAccess() {
        libc = new FfmLibrary("libc", LINKER.defaultLookup());
    }

    @Override
    public String implementation() {
        return "ffm";
    }

    @Override
    @SuppressWarnings("MustBeClosedChecker") // the arena is owned, and closed, by what this returns
    public NativeMemory allocate(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("allocation size must be positive: " + size);
        }
        Arena arena = Arena.ofShared();
        try {
            return new FfmMemory(arena.allocate(size, 16), arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public NativeMemory view(long address, long size) {
        if (address == 0) {
            throw new IllegalArgumentException("view of the null address");
        }
        return new FfmMemory(MemorySegment.ofAddress(address).reinterpret(size), null);
    }

    @Override
    @SuppressWarnings("MustBeClosedChecker") // the arena is owned, and closed, by what this returns
    public NativeMemory mapped(long address, long size, Runnable unmap) {
        Arena arena = Arena.ofShared();
        MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(size, arena, s -> unmap.run());
        return new FfmMemory(segment, arena);
    }

    @Override
    public NativeLibrary libc() {
        return libc;
    }

    @Override
    public NativeLibrary load(String... names) {
        List<String> failures = new ArrayList<>();
        for (String name : names) {
            try {
                return new FfmLibrary(name, SymbolLookup.libraryLookup(name, Arena.global()));
            } catch (IllegalArgumentException e) {
                failures.add(name);
            }
        }
        throw new VmmException(
                "dlopen",
                0,
                "cannot load any of " + failures + " (is the library installed and on the dynamic linker's path?)");
    }

    @Override
    @SuppressWarnings("MustBeClosedChecker") // the arena is owned, and closed, by what this returns
    public NativeCallback upcall(MethodHandle target, Signature signature) {
        FunctionDescriptor descriptor = descriptor(signature);
        MethodType expected = descriptor.toMethodType();
        if (!target.type().equals(expected)) {
            throw new IllegalArgumentException("upcall target type " + target.type() + " does not match " + expected);
        }
        Arena arena = Arena.ofShared();
        MemorySegment stub = LINKER.upcallStub(target, descriptor, arena);
        return new NativeCallback() {
            @Override
            public long address() {
                return stub.address();
            }

            @Override
            public void close() {
                if (arena.scope().isAlive()) {
                    arena.close();
                }
            }
        };
    }

    @Override
    public String readString(long address) {
        if (address == 0) {
            return null;
        }
        return MemorySegment.ofAddress(address).reinterpret(Long.MAX_VALUE).getString(0);
    }

    static MemoryLayout layout(CType type) {
        return switch (type) {
            case INT -> ValueLayout.JAVA_INT;
            // Pointers travel as addresses: identical to long in the System V x86-64 ABI, and no
            // MemorySegment wrapper is created per call.
            case LONG, POINTER -> ValueLayout.JAVA_LONG;
            case VOID -> throw new IllegalArgumentException("void has no layout");
        };
    }

    static FunctionDescriptor descriptor(Signature signature) {
        MemoryLayout[] parameters = new MemoryLayout[signature.parameters().size()];
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = layout(signature.parameters().get(i));
        }
        return signature.result() == CType.VOID
                ? FunctionDescriptor.ofVoid(parameters)
                : FunctionDescriptor.of(layout(signature.result()), parameters);
    }
}
