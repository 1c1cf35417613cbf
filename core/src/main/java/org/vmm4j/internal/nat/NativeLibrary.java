package org.vmm4j.internal.nat;

import java.util.OptionalLong;

/** A loaded shared library (libc, libvirt.so.0, libvmmapi.so). */
public interface NativeLibrary {

    /** The name it was loaded by. */
    String name();

    /** The symbol's address, if the library has it. */
    OptionalLong lookup(String symbol);

    /** Binds a function; fails with a {@link org.vmm4j.VmmException} naming the symbol and library if absent. */
    NativeFunction function(String symbol, Signature signature);

    default boolean has(String symbol) {
        return lookup(symbol).isPresent();
    }
}
