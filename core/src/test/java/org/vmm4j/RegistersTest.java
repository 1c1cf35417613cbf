package org.vmm4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RegistersTest {

    @Test
    void arrayOrderIsKvmRegsOrder() {
        Registers r = Registers.builder()
                .rax(1)
                .rbx(2)
                .rcx(3)
                .rdx(4)
                .rsi(5)
                .rdi(6)
                .rsp(7)
                .rbp(8)
                .r8(9)
                .r9(10)
                .r10(11)
                .r11(12)
                .r12(13)
                .r13(14)
                .r14(15)
                .r15(16)
                .rip(17)
                .rflags(18)
                .build();
        long[] expected = new long[Registers.COUNT];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = i + 1L;
        }
        assertArrayEquals(expected, r.toArray());
        assertEquals(r, Registers.of(expected));
        assertEquals(17, Registers.of(expected).rip());
    }

    @Test
    void toArrayIsACopy() {
        Registers r = Registers.builder().rax(5).build();
        r.toArray()[0] = 99;
        assertEquals(5, r.rax());
    }

    @Test
    void ofRejectsAWrongNumberOfValuesNamingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> Registers.of(new long[17]));
        assertTrue(e.getMessage().contains("expected 18 register values, got 17"), e.getMessage());
    }

    @Test
    void builderDefaultsRflagsToTheReservedBit() {
        assertEquals(Registers.RFLAGS_RESERVED, Registers.builder().build().rflags());
    }
}
