package org.vmm4j.benchmarks;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.vmm4j.boot.ElfKernel;
import org.vmm4j.boot.Layout;
import org.vmm4j.boot.MinimalKernel;

/**
 * The PVH counterpart of {@link MinimalKernel}: an ELF64 image of a few hundred bytes with one PT_LOAD
 * segment at 1 MiB and the XEN_ELFNOTE_PHYS32_ENTRY note. Its 32-bit entry (flat protected mode, paging
 * off) prints {@code BOOTED} on COM1 and resets through the i8042.
 */
final class TinyPvhKernel {
    private static final int EHDR = 64;
    private static final int PHDR = 56;
    private static final int NOTE_AT = EHDR + 2 * PHDR;
    private static final int CODE_AT = 256;

    /** 32-bit code; the banner's address is patched in at offset 7. */
    private static final int[] ENTRY_32 = {
        0xfc, //  0: cld
        0xba, 0xf8, 0x03, 0x00, 0x00, //  1: mov edx, 0x3f8
        0xbe, 0, 0, 0, 0, //  6: mov esi, banner
        0xac, // 11: lodsb
        0x84, 0xc0, // 12: test al, al
        0x74, 0x03, // 14: jz 19
        0xee, // 16: out dx, al
        0xeb, 0xf8, // 17: jmp 11
        0xb0, 0xfe, // 19: mov al, 0xfe
        0xe6, 0x64, // 21: out 0x64, al      i8042 reset
        0xf4, // 23: hlt
        0xeb, 0xfd, // 24: jmp 23
    };

    private TinyPvhKernel() {}

    static byte[] image() {
        long base = Layout.HIGH_MEMORY_ADDRESS;
        long entry = base + CODE_AT;
        byte[] banner = (MinimalKernel.BANNER + "\n\0").getBytes(StandardCharsets.US_ASCII);
        int size = CODE_AT + ENTRY_32.length + banner.length;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1}); // ELFCLASS64, ELFDATA2LSB, EV_CURRENT
        b.putShort(16, (short) 2); // ET_EXEC
        b.putShort(18, (short) 62); // EM_X86_64
        b.putInt(20, 1);
        b.putLong(24, entry);
        b.putLong(32, EHDR); // e_phoff
        b.putShort(52, (short) EHDR);
        b.putShort(54, (short) PHDR);
        b.putShort(56, (short) 2);
        programHeader(b, EHDR, 1, 0, base, size); // PT_LOAD: the whole file at 1 MiB
        programHeader(b, EHDR + PHDR, 4, NOTE_AT, 0, 20); // PT_NOTE
        b.putInt(NOTE_AT, 4).putInt(NOTE_AT + 4, 4).putInt(NOTE_AT + 8, ElfKernel.XEN_ELFNOTE_PHYS32_ENTRY);
        b.put(NOTE_AT + 12, new byte[] {'X', 'e', 'n', 0});
        b.putInt(NOTE_AT + 16, (int) entry);
        for (int i = 0; i < ENTRY_32.length; i++) {
            b.put(CODE_AT + i, (byte) ENTRY_32[i]);
        }
        b.putInt(CODE_AT + 7, (int) (entry + ENTRY_32.length));
        b.put(CODE_AT + ENTRY_32.length, banner);
        return b.array();
    }

    private static void programHeader(ByteBuffer b, int at, int type, long offset, long address, long size) {
        b.putInt(at, type);
        b.putInt(at + 4, 5); // PF_R | PF_X
        b.putLong(at + 8, offset);
        b.putLong(at + 16, address);
        b.putLong(at + 24, address);
        b.putLong(at + 32, size);
        b.putLong(at + 40, size);
        b.putLong(at + 48, 16);
    }
}
