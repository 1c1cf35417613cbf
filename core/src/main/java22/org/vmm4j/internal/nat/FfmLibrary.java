package org.vmm4j.internal.nat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.util.Optional;
import java.util.OptionalLong;
import org.vmm4j.VmmException;

/** A {@link SymbolLookup} as a {@link NativeLibrary}. */
final class FfmLibrary implements NativeLibrary {
    private final String name;
    private final SymbolLookup lookup;

    FfmLibrary(String name, SymbolLookup lookup) {
        this.name = name;
        this.lookup = lookup;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public OptionalLong lookup(String symbol) {
        Optional<MemorySegment> found = lookup.find(symbol);
        return found.isPresent() ? OptionalLong.of(found.get().address()) : OptionalLong.empty();
    }

    @Override
    public NativeFunction function(String symbol, Signature signature) {
        MemorySegment address = lookup.find(symbol)
                .orElseThrow(() -> new VmmException("dlsym", 0, "symbol " + symbol + " not found in " + name));
        return FfmFunction.bind(symbol, signature, address);
    }

    @Override
    public String toString() {
        return name;
    }
}
