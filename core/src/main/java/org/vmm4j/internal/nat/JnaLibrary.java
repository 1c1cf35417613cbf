package org.vmm4j.internal.nat;

import com.sun.jna.Function;
import com.sun.jna.FunctionMapper;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.vmm4j.VmmException;

/**
 * A {@link com.sun.jna.NativeLibrary} as a {@link NativeLibrary}. Bound functions are cached by symbol
 * and signature: binding defines a class, so binding the same function twice should not.
 */
final class JnaLibrary implements NativeLibrary {
    /** Maps each direct-mapped binding class to the symbol it is being registered against. */
    static final SymbolMapper SYMBOLS = new SymbolMapper();

    private static final Map<String, Object> OPTIONS = Map.of(Library.OPTION_FUNCTION_MAPPER, SYMBOLS);

    private final String name;
    private final com.sun.jna.NativeLibrary library;
    private final Map<String, NativeFunction> functions = new ConcurrentHashMap<>();

    private JnaLibrary(String name, com.sun.jna.NativeLibrary library) {
        this.name = name;
        this.library = library;
    }

    /** The symbols of the process: the C library and everything loaded globally. */
    static JnaLibrary process() {
        return new JnaLibrary("libc", com.sun.jna.NativeLibrary.getProcess(OPTIONS));
    }

    /** @throws UnsatisfiedLinkError when the dynamic linker cannot load {@code name} */
    static JnaLibrary load(String name) {
        return new JnaLibrary(name, com.sun.jna.NativeLibrary.getInstance(name, OPTIONS));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public OptionalLong lookup(String symbol) {
        try {
            Function function = library.getFunction(symbol);
            return OptionalLong.of(Pointer.nativeValue(function));
        } catch (UnsatisfiedLinkError e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public NativeFunction function(String symbol, Signature signature) {
        if (lookup(symbol).isEmpty()) {
            throw new VmmException("dlsym", 0, "symbol " + symbol + " not found in " + name);
        }
        return functions.computeIfAbsent(symbol + signature, k -> JnaFunction.bind(library, symbol, signature));
    }

    @Override
    public String toString() {
        return name;
    }

    /** A function mapper that names, for the binding class being registered, its C symbol. */
    static final class SymbolMapper implements FunctionMapper {
        private final Map<Class<?>, String> symbols = new ConcurrentHashMap<>();

        void bind(Class<?> binding, String symbol) {
            symbols.put(binding, symbol);
        }

        void unbind(Class<?> binding) {
            symbols.remove(binding);
        }

        @Override
        public String getFunctionName(com.sun.jna.NativeLibrary library, Method method) {
            String symbol = symbols.get(method.getDeclaringClass());
            return symbol != null ? symbol : method.getName();
        }
    }
}
