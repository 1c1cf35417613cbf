package org.vmm4j.boot;

import static org.vmm4j.boot.SetupHeader.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Kernels of a few hundred bytes that prove the boot contracts end to end, for smoke tests, start-up
 * benchmarks and demos. {@link #bzImage()}'s 64-bit entry prints {@code BOOTED} on COM1, then the
 * command line it finds through {@code boot_params.hdr.cmd_line_ptr} (RSI), then the number of e820
 * entries in {@code boot_params.e820_entries}, each on its own line, and resets the machine through
 * the i8042 (0xFE to port 0x64). {@link #pvhElf()} does the same through the PVH entry and
 * hvm_start_info (without the banner).
 */
public final class MinimalKernel {
    /** The first line the kernel prints. */
    public static final String BANNER = "BOOTED";

    private static final int SETUP_SECTORS = 1;
    private static final int PROTECTED_MODE_OFFSET = (SETUP_SECTORS + 1) * 512;

    /** 64-bit code, entered at load address + 0x200 with RSI = boot_params and a valid stack. */
    private static final int[] ENTRY_64 = {
        0x66, 0xba, 0xf8, 0x03, //  0: mov dx, 0x3f8
        0x48, 0x8d, 0x1d, 0x34, 0x00, 0x00, 0x00, //  4: lea rbx, [rip + banner]   (63 - 11)
        0xe8, 0x22, 0x00, 0x00, 0x00, // 11: call print                 (50 - 16)
        0x8b, 0x9e, 0x28, 0x02, 0x00, 0x00, // 16: mov ebx, [rsi + 0x228]     cmd_line_ptr
        0xe8, 0x17, 0x00, 0x00, 0x00, // 22: call print                 (50 - 27)
        0xb0, 0x0a, // 27: mov al, '\n'
        0xee, // 29: out dx, al
        0x0f, 0xb6, 0x86, 0xe8, 0x01, 0x00, 0x00, // 30: movzx eax, byte [rsi + 0x1e8]  e820_entries
        0x04, 0x30, // 37: add al, '0'
        0xee, // 39: out dx, al
        0xb0, 0x0a, // 40: mov al, '\n'
        0xee, // 42: out dx, al
        0xb0, 0xfe, // 43: mov al, 0xfe
        0xe6, 0x64, // 45: out 0x64, al               i8042 reset
        0xf4, // 47: hlt
        0xeb, 0xfd, // 48: jmp 47
        0x8a, 0x03, // 50: print: mov al, [rbx]
        0x84, 0xc0, // 52: test al, al
        0x74, 0x06, // 54: jz 62
        0xee, // 56: out dx, al
        0x48, 0xff, 0xc3, // 57: inc rbx
        0xeb, 0xf4, // 60: jmp 50
        0xc3, // 62: ret
    };

    /** 32-bit protected-mode code for the PVH entry, EBX = hvm_start_info; no stack is needed. */
    private static final int[] ENTRY_PVH = {
        0x66, 0xba, 0xf8, 0x03, //  0: mov dx, 0x3f8
        0x81, 0x3b, 0x78, 0xc5, 0x6e, 0x33, //  4: cmp dword [ebx], 0x336ec578   start_info magic
        0x75, 0x20, // 10: jne 44
        0x8b, 0x73, 0x18, // 12: mov esi, [ebx + 24]          cmdline_paddr
        0x8a, 0x06, // 15: mov al, [esi]
        0x84, 0xc0, // 17: test al, al
        0x74, 0x04, // 19: jz 25
        0xee, // 21: out dx, al
        0x46, // 22: inc esi
        0xeb, 0xf6, // 23: jmp 15
        0xb0, 0x0a, // 25: mov al, '\n'
        0xee, // 27: out dx, al
        0x8b, 0x43, 0x30, // 28: mov eax, [ebx + 48]          memmap_entries
        0x04, 0x30, // 31: add al, '0'
        0xee, // 33: out dx, al
        0xb0, 0x0a, // 34: mov al, '\n'
        0xee, // 36: out dx, al
        0xb0, 0xfe, // 37: mov al, 0xfe
        0xe6, 0x64, // 39: out 0x64, al               i8042 reset
        0xf4, // 41: hlt
        0xeb, 0xfd, // 42: jmp 41
        0xb0, 0x21, // 44: mov al, '!'                 bad magic
        0xee, // 46: out dx, al
        0xf4, // 47: hlt
        0xeb, 0xfd, // 48: jmp 47
    };

    private static final int ELF_CODE_OFFSET = 0x1000;
    private static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    private MinimalKernel() {}

    /**
     * An ELF64 vmlinux-shaped image whose PVH entry (XEN_ELFNOTE_PHYS32_ENTRY) checks the
     * hvm_start_info magic, prints the command line it points to and the memory-map entry count, and
     * resets through the i8042 (it prints {@code !} instead if the magic is wrong).
     */
    public static byte[] pvhElf() {
        long load = Layout.KERNEL_LOAD_ADDRESS;
        int noteOffset = 64 + 2 * 56;
        ByteBuffer b = ByteBuffer.allocate(ELF_CODE_OFFSET + ENTRY_PVH.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}); // ELF64, little-endian, version 1
        b.putShort(16, (short) 2); // ET_EXEC
        b.putShort(18, (short) 0x3e); // EM_X86_64
        b.putInt(20, 1);
        b.putLong(24, load); // e_entry (unused by PVH)
        b.putLong(32, 64); // e_phoff
        b.putShort(52, (short) 64); // e_ehsize
        b.putShort(54, (short) 56); // e_phentsize
        b.putShort(56, (short) 2); // e_phnum
        b.putShort(58, (short) 64); // e_shentsize
        int ph = 64; // PT_LOAD: the code at the load address
        b.putInt(ph, 1);
        b.putInt(ph + 4, 5);
        b.putLong(ph + 8, ELF_CODE_OFFSET);
        b.putLong(ph + 16, load);
        b.putLong(ph + 24, load);
        b.putLong(ph + 32, ENTRY_PVH.length);
        b.putLong(ph + 40, ENTRY_PVH.length);
        b.putLong(ph + 48, 0x1000);
        ph += 56; // PT_NOTE: Xen's PVH entry note
        b.putInt(ph, 4);
        b.putInt(ph + 4, 4);
        b.putLong(ph + 8, noteOffset);
        b.putLong(ph + 32, 20);
        b.putLong(ph + 40, 20);
        b.putLong(ph + 48, 4);
        b.putInt(noteOffset, 4); // namesz
        b.putInt(noteOffset + 4, 4); // descsz
        b.putInt(noteOffset + 8, XEN_ELFNOTE_PHYS32_ENTRY);
        b.put(noteOffset + 12, new byte[] {'X', 'e', 'n', 0});
        b.putInt(noteOffset + 16, (int) load); // the 32-bit entry point
        int at = ELF_CODE_OFFSET;
        for (int v : ENTRY_PVH) {
            b.put(at++, (byte) v);
        }
        return b.array();
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
