package org.vmm4j.boot;

import static org.vmm4j.boot.SetupHeader.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A bzImage of a few hundred bytes whose 64-bit entry proves the boot contract end to end, for smoke
 * tests, start-up benchmarks and demos: it prints {@code BOOTED} on COM1, then the command line it
 * finds through {@code boot_params.hdr.cmd_line_ptr} (RSI), then the number of e820 entries in
 * {@code boot_params.e820_entries}, each on its own line, and resets the machine through the i8042
 * (0xFE to port 0x64).
 */
public final class MinimalKernel {
    /** The first line the kernel prints. */
    public static final String BANNER = "BOOTED";

    private static final int SETUP_SECTORS = 1;
    private static final int PROTECTED_MODE_OFFSET = (SETUP_SECTORS + 1) * 512;

    /** 64-bit code, entered at load address + 0x200 with RSI = boot_params and a valid stack. */
    private static final int[] ENTRY_64 = {
            0x66, 0xba, 0xf8, 0x03,                   //  0: mov dx, 0x3f8
            0x48, 0x8d, 0x1d, 0x34, 0x00, 0x00, 0x00, //  4: lea rbx, [rip + banner]   (63 - 11)
            0xe8, 0x22, 0x00, 0x00, 0x00,             // 11: call print                 (50 - 16)
            0x8b, 0x9e, 0x28, 0x02, 0x00, 0x00,       // 16: mov ebx, [rsi + 0x228]     cmd_line_ptr
            0xe8, 0x17, 0x00, 0x00, 0x00,             // 22: call print                 (50 - 27)
            0xb0, 0x0a,                               // 27: mov al, '\n'
            0xee,                                     // 29: out dx, al
            0x0f, 0xb6, 0x86, 0xe8, 0x01, 0x00, 0x00, // 30: movzx eax, byte [rsi + 0x1e8]  e820_entries
            0x04, 0x30,                               // 37: add al, '0'
            0xee,                                     // 39: out dx, al
            0xb0, 0x0a,                               // 40: mov al, '\n'
            0xee,                                     // 42: out dx, al
            0xb0, 0xfe,                               // 43: mov al, 0xfe
            0xe6, 0x64,                               // 45: out 0x64, al               i8042 reset
            0xf4,                                     // 47: hlt
            0xeb, 0xfd,                               // 48: jmp 47
            0x8a, 0x03,                               // 50: print: mov al, [rbx]
            0x84, 0xc0,                               // 52: test al, al
            0x74, 0x06,                               // 54: jz 62
            0xee,                                     // 56: out dx, al
            0x48, 0xff, 0xc3,                         // 57: inc rbx
            0xeb, 0xf4,                               // 60: jmp 50
            0xc3,                                     // 62: ret
    };

    private MinimalKernel() {
    }

    /** The image: boot sector with a protocol 2.15 setup header, then the protected-mode code. */
    public static byte[] bzImage() {
        byte[] banner = (BANNER + "\n\0").getBytes(StandardCharsets.US_ASCII);
        int codeLength = 0x200 + ENTRY_64.length + banner.length;
        ByteBuffer b = ByteBuffer.allocate(PROTECTED_MODE_OFFSET + codeLength).order(ByteOrder.LITTLE_ENDIAN);
        b.put(OFFSET_SETUP_SECTS, (byte) SETUP_SECTORS);
        b.putShort(OFFSET_BOOT_FLAG, (short) BOOT_FLAG);
        b.put(OFFSET_JUMP, (byte) 0xeb);
        b.put(OFFSET_JUMP + 1, (byte) (OFFSET_INIT_SIZE + 4 - OFFSET_HEADER));
        b.putInt(OFFSET_HEADER, HEADER_MAGIC);
        b.putShort(OFFSET_VERSION, (short) 0x020f);
        b.put(OFFSET_LOADFLAGS, (byte) LOADFLAG_LOADED_HIGH);
        b.putInt(OFFSET_INITRD_ADDR_MAX, 0x7fff_ffff);
        b.putInt(OFFSET_KERNEL_ALIGNMENT, 0x20_0000);
        b.put(OFFSET_RELOCATABLE_KERNEL, (byte) 0);
        b.putShort(OFFSET_XLOADFLAGS, (short) XLF_KERNEL_64);
        b.putInt(OFFSET_CMDLINE_SIZE, 2047);
        b.putLong(OFFSET_PREF_ADDRESS, Layout.KERNEL_LOAD_ADDRESS);
        b.putInt(OFFSET_INIT_SIZE, 0x1_0000);
        // The 32-bit entry (offset 0) is never used by vmm4j: fill it with HLT.
        for (int i = 0; i < 0x200; i++) {
            b.put(PROTECTED_MODE_OFFSET + i, (byte) 0xf4);
        }
        int at = PROTECTED_MODE_OFFSET + 0x200;
        for (int v : ENTRY_64) {
            b.put(at++, (byte) v);
        }
        b.put(at, banner);
        return b.array();
    }
}
