package org.vmm4j.freebsd.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmm4j.internal.nat.BsdIoctl;
import org.vmm4j.testsupport.RequiresHost;

/**
 * Every size, offset, bit-field position, enum value and ioctl request of {@link Vmm}, {@link VmmDev}
 * and {@link BsdIoctl} against what gcc computes for the same declarations in {@code vmm_abi.c}.
 */
class VmmDevLayoutTest {

    private static List<Field> constants(Class<?> type) {
        List<Field> fields = new ArrayList<>();
        for (Field f : type.getFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m)
                    && Modifier.isFinal(m)
                    && (f.getType() == int.class || f.getType() == long.class)) {
                fields.add(f);
            }
        }
        return fields;
    }

    private static void assertAllMatchC(Class<?> type) throws IllegalAccessException {
        Map<String, Long> c = CompiledAbi.layout();
        List<String> mismatches = new ArrayList<>();
        for (Field f : constants(type)) {
            Long expected = c.get(f.getName());
            long actual = f.getType() == int.class ? f.getInt(null) : f.getLong(null);
            if (expected == null) {
                mismatches.add(f.getName() + ": not derived by the C program");
            } else if (expected != actual) {
                mismatches.add(f.getName() + ": Java " + actual + " (0x" + Long.toHexString(actual) + "), C " + expected
                        + " (0x" + Long.toHexString(expected) + ")");
            }
        }
        assertTrue(
                mismatches.isEmpty(),
                type.getSimpleName() + " differs from the C compiler:\n" + String.join("\n", mismatches));
    }

    @Test
    @RequiresHost(tools = "gcc", files = RequiresHost.LIBC_HEADERS)
    void structLayoutsAndIoctlRequestsMatchTheCCompiler() throws IllegalAccessException {
        assertAllMatchC(VmmDev.class);
    }

    @Test
    @RequiresHost(tools = "gcc", files = RequiresHost.LIBC_HEADERS)
    void enumsAndLimitsMatchTheHeaderOrder() throws IllegalAccessException {
        assertAllMatchC(Vmm.class);
    }

    @Test
    @RequiresHost(tools = "gcc", files = RequiresHost.LIBC_HEADERS)
    void iocEncodingConstantsMatchIoccom() throws IllegalAccessException {
        assertAllMatchC(BsdIoctl.class);
    }

    @Test
    @RequiresHost(tools = "gcc", files = RequiresHost.LIBC_HEADERS)
    void everyRequestTheCProgramDerivesIsDefinedInJava() {
        Map<String, Long> c = CompiledAbi.layout();
        for (Map.Entry<String, Long> e : c.entrySet()) {
            if ((e.getValue() & 0xff00L) == ('v' << 8) && e.getValue() > 0xffff) {
                assertEquals(e.getKey(), VmmDev.name(e.getValue()), "request " + e.getKey());
            }
        }
    }

    @Test
    void requestsEncodeDirectionGroupNumberAndLength() {
        // VM_RUN is _IOW: IOC_IN set, IOC_OUT clear, 'v' group, number 1, sizeof(struct vm_run) in the length.
        long run = VmmDev.VM_RUN;
        assertEquals(BsdIoctl.IOC_IN, run & BsdIoctl.IOC_INOUT);
        assertEquals('v', (run >> 8) & 0xff);
        assertEquals(1, BsdIoctl.number(run));
        assertEquals(VmmDev.VM_RUN_SIZE, (run >> 16) & BsdIoctl.IOCPARM_MASK);
        assertEquals(BsdIoctl.IOC_INOUT, VmmDev.VM_GET_REGISTER & BsdIoctl.IOC_INOUT);
        assertEquals(BsdIoctl.IOC_VOID, VmmDev.VM_REINIT & 0xe000_0000L);
    }

    @Test
    void rejectsArgumentsTooLargeForTheLengthField() {
        assertThrows(IllegalArgumentException.class, () -> BsdIoctl.iow('v', 1, BsdIoctl.IOCPARM_MASK + 1));
    }

    @Test
    void vieMatchesTheHeadersStaticAsserts() {
        // sys/amd64/include/vmm.h: sizeof(struct vie) == 64, disp_bytes at 22, scale at 24, base_register at 28,
        // sizeof(struct vie_op) == 4.
        assertEquals(64, VmmDev.VIE_SIZE);
        assertEquals(22, VmmDev.VIE_DISP_BYTES);
        assertEquals(24, VmmDev.VIE_SCALE);
        assertEquals(28, VmmDev.VIE_BASE_REGISTER);
        assertEquals(4, VmmDev.VIE_OP_SIZE);
    }

    @Test
    void vmExitUnionIsAsLargeAsTheThirteenCompatRecord() {
        // vm_exit_13 in vmm_dev.c: exitcode, inst_length, rip, u[120 / sizeof(uint64_t)].
        assertEquals(4 + 4 + 8 + 120, VmmDev.VM_EXIT_SIZE);
    }
}
