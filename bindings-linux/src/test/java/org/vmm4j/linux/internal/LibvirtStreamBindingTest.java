package org.vmm4j.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.Signature;
import org.vmm4j.testsupport.RequiresHost;

/**
 * The functions the console stream calls, bound in {@link Libvirt}, against their prototypes in
 * {@code <libvirt/libvirt.h>}: gcc asserts that each prototype written here is the header's, and the
 * test asserts that the seam signature bound in Java has the same shape (a pointer for every pointer,
 * a 64-bit integer for {@code size_t}, a 32-bit one for {@code int}). So a binding whose arity or argument
 * width disagrees with the header fails here, not in a guest.
 */
@RequiresHost(
        tools = "gcc",
        files = {RequiresHost.LIBC_HEADERS, RequiresHost.LIBVIRT_HEADER, RequiresHost.LIBVIRT_LIBRARY})
class LibvirtStreamBindingTest {

    /** Function, result type, parameter types, as the header declares them. */
    private static final String[][] PROTOTYPES = {
        {"virStreamNew", "virStreamPtr", "virConnectPtr", "unsigned int"},
        {"virStreamSend", "int", "virStreamPtr", "const char *", "size_t"},
        {"virStreamRecv", "int", "virStreamPtr", "char *", "size_t"},
        {
            "virStreamEventAddCallback",
            "int",
            "virStreamPtr",
            "int",
            "virStreamEventCallback",
            "void *",
            "virFreeCallback"
        },
        {"virStreamEventUpdateCallback", "int", "virStreamPtr", "int"},
        {"virStreamEventRemoveCallback", "int", "virStreamPtr"},
        {"virStreamFinish", "int", "virStreamPtr"},
        {"virStreamAbort", "int", "virStreamPtr"},
        {"virStreamFree", "int", "virStreamPtr"},
        {"virDomainOpenConsole", "int", "virDomainPtr", "const char *", "virStreamPtr", "unsigned int"},
    };

    @Test
    void consoleStreamPrototypesMatchTheHeader(@TempDir Path dir) throws Exception {
        StringBuilder program = new StringBuilder("#include <libvirt/libvirt.h>\n");
        for (String[] p : PROTOTYPES) {
            program.append("_Static_assert(__builtin_types_compatible_p(__typeof__(")
                    .append(p[0])
                    .append("), ")
                    .append(p[1])
                    .append(" (")
                    .append(String.join(", ", List.of(p).subList(2, p.length)))
                    .append(")), \"")
                    .append(p[0])
                    .append("\");\n");
        }
        // The upcall LibvirtConsole hands libvirt: void (long, int, long) in Java.
        program.append("_Static_assert(__builtin_types_compatible_p(virStreamEventCallback,"
                + " void (*)(virStreamPtr, int, void *)), \"virStreamEventCallback\");\n");
        program.append("int main(void) { return 0; }\n");
        Path source = dir.resolve("prototypes.c");
        Files.writeString(source, program);
        String compiled = run(List.of("gcc", "-fsyntax-only", source.toString()));
        assertEquals("", compiled, "gcc disagrees with a prototype:\n" + compiled);
    }

    @Test
    void boundSignaturesHaveTheHeadersShape() throws Exception {
        Libvirt lv = Libvirt.get();
        List<String> mismatches = new ArrayList<>();
        for (String[] p : PROTOTYPES) {
            NativeFunction f = (NativeFunction) Libvirt.class.getField(p[0]).get(lv);
            List<CType> expected = new ArrayList<>();
            for (String parameter : List.of(p).subList(2, p.length)) {
                expected.add(ctype(parameter));
            }
            Signature s = f.signature();
            if (s.result() != ctype(p[1]) || !s.parameters().equals(expected)) {
                mismatches.add(p[0] + ": bound " + s.result() + s.parameters() + ", header " + ctype(p[1]) + expected);
            }
            if (s.critical()) {
                mismatches.add(p[0] + " may block or call back into Java: it must not be a critical downcall");
            }
        }
        assertEquals(List.of(), mismatches);
    }

    /** The seam type of a C type on x86-64 LP64. */
    private static CType ctype(String c) {
        if (c.endsWith("*") || c.endsWith("Ptr") || c.endsWith("Callback")) {
            return CType.POINTER;
        }
        return switch (c) {
            case "int", "unsigned int" -> CType.INT;
            case "size_t", "long", "unsigned long", "long long", "unsigned long long" -> CType.LONG;
            case "void" -> CType.VOID;
            default -> throw new IllegalArgumentException("no seam type for C type " + c);
        };
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, process.exitValue(), "gcc failed:\n" + output);
        return output;
    }
}
