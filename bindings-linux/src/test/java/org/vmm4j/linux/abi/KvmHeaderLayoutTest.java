package org.vmm4j.linux.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

/** Every size, offset and number in {@link KvmHeader} and {@link KvmStructs} against gcc and {@code <linux/kvm.h>}. */
class KvmHeaderLayoutTest {

    @Test
    @RequiresHost(
            tools = "gcc",
            files = {RequiresHost.LIBC_HEADERS, RequiresHost.KVM_HEADER})
    void everyConstantMatchesTheSystemHeader(@TempDir Path dir) throws Exception {
        Map<String, Long> c = CompiledC.run("kvm_layout.c", dir);
        List<String> mismatches = new ArrayList<>();
        TreeSet<String> unchecked = new TreeSet<>();
        for (Map.Entry<String, Long> e : javaConstants().entrySet()) {
            Long expected = c.get(e.getKey());
            if (expected == null) {
                unchecked.add(e.getKey());
            } else if (expected.longValue() != e.getValue()) {
                mismatches.add(e.getKey() + ": Java " + e.getValue() + ", C " + expected);
            }
        }
        for (String name : c.keySet()) {
            if (!javaConstants().containsKey(name)) {
                mismatches.add(name + ": printed by C but missing in Java");
            }
        }
        assertEquals(List.of(), mismatches);
        assertEquals(new TreeSet<>(), unchecked, "Java constants the C program does not check");
        assertTrue(c.size() > 150, "expected the whole header to be checked, got " + c.size() + " values");
    }

    private static Map<String, Long> javaConstants() throws IllegalAccessException {
        Map<String, Long> values = new java.util.HashMap<>();
        collect(KvmHeader.class, "", values);
        for (Class<?> nested : KvmStructs.class.getDeclaredClasses()) {
            collect(nested, nested.getSimpleName() + ".", values);
        }
        return values;
    }

    private static void collect(Class<?> type, String prefix, Map<String, Long> values) throws IllegalAccessException {
        for (Field f : type.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m)
                    && Modifier.isPublic(m)
                    && Modifier.isFinal(m)
                    && (f.getType() == int.class || f.getType() == long.class)) {
                values.put(prefix + f.getName(), ((Number) f.get(null)).longValue());
            }
        }
    }
}
