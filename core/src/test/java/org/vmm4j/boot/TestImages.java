package org.vmm4j.boot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPOutputStream;

/** Builds small kernel images byte by byte, following the boot protocol and ELF documents. */
final class TestImages {

    static final long ELF_LOAD_ADDRESS = 0x100_0000;
    static final int SETUP_SECTS = 1;
    static final int PM_OFFSET = (SETUP_SECTS + 1) * 512;

    private TestImages() {}

    /** Knobs of a synthetic bzImage; defaults are a valid protocol 2.15 64-bit kernel. */
    static final class BzImage {
        int version = 0x020f;
        int loadFlags = 0x01;
        int xloadFlags = 0x03;
        long initrdAddrMax = 0x7fff_ffffL;
        long kernelAlignment = 0x20_0000;
        long cmdlineSize = 255;
        long prefAddress = 0x100_0000;
        long initSize = 0x40_0000;
        byte[] code = {(byte) 0xf4}; // hlt
        byte[] payload = new byte[0]; // compressed kernel incl. its 4-byte size suffix

        byte[] build() {
            int payloadOffset = 0x200 + code.length;
            ByteBuffer b = ByteBuffer.allocate(PM_OFFSET + payloadOffset + payload.length)
                    .order(ByteOrder.LITTLE_ENDIAN);
            b.put(0x1f1, (byte) SETUP_SECTS);
            b.putShort(0x1fe, (short) 0xaa55);
            b.put(0x200, (byte) 0xeb);
            b.put(0x201, (byte) 0x6a); // header ends at 0x26c
            b.putInt(0x202, 0x53726448); // "HdrS"
            b.putShort(0x206, (short) version);
            b.put(0x211, (byte) loadFlags);
            b.putInt(0x22c, (int) initrdAddrMax);
            b.putInt(0x230, (int) kernelAlignment);
            b.put(0x234, (byte) 1);
            b.putShort(0x236, (short) xloadFlags);
            b.putInt(0x238, (int) cmdlineSize);
            b.putInt(0x248, payload.length == 0 ? 0 : payloadOffset);
            b.putInt(0x24c, payload.length);
            b.putLong(0x258, prefAddress);
            b.putInt(0x260, (int) initSize);
            b.put(PM_OFFSET + 0x200, code);
            b.put(PM_OFFSET + payloadOffset, payload);
            return b.array();
        }
    }

    /**
     * A minimal ELF64 x86-64 executable: one PT_LOAD of {@code code} at {@link #ELF_LOAD_ADDRESS}
     * (with {@code bss} zero bytes after it) and, if {@code pvhEntry} is not negative, a PT_NOTE
     * with the Xen PHYS32_ENTRY note whose descriptor is {@code descSize} (4 or 8) bytes.
     */
    static byte[] elf(byte[] code, long bss, long pvhEntry, int descSize) {
        boolean note = pvhEntry >= 0;
        int phnum = note ? 2 : 1;
        int phoff = 64;
        int noteOffset = phoff + phnum * 56;
        int noteSize = note ? 12 + 4 + descSize : 0;
        int codeOffset = (noteOffset + noteSize + 15) & ~15;
        ByteBuffer b = ByteBuffer.allocate(codeOffset + code.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) 2); // ET_EXEC
        b.putShort(18, (short) 62); // EM_X86_64
        b.putInt(20, 1);
        b.putLong(24, ELF_LOAD_ADDRESS);
        b.putLong(32, phoff);
        b.putShort(52, (short) 64);
        b.putShort(54, (short) 56);
        b.putShort(56, (short) phnum);
        int ph = phoff;
        b.putInt(ph, 1); // PT_LOAD
        b.putInt(ph + 4, 7);
        b.putLong(ph + 8, codeOffset);
        b.putLong(ph + 16, ELF_LOAD_ADDRESS);
        b.putLong(ph + 24, ELF_LOAD_ADDRESS);
        b.putLong(ph + 32, code.length);
        b.putLong(ph + 40, code.length + bss);
        if (note) {
            ph += 56;
            b.putInt(ph, 4); // PT_NOTE
            b.putLong(ph + 8, noteOffset);
            b.putLong(ph + 32, noteSize);
            b.putLong(ph + 40, noteSize);
            b.putInt(noteOffset, 4);
            b.putInt(noteOffset + 4, descSize);
            b.putInt(noteOffset + 8, 18); // XEN_ELFNOTE_PHYS32_ENTRY
            b.put(noteOffset + 12, (byte) 'X').put(noteOffset + 13, (byte) 'e').put(noteOffset + 14, (byte) 'n');
            if (descSize == 4) {
                b.putInt(noteOffset + 16, (int) pvhEntry);
            } else {
                b.putLong(noteOffset + 16, pvhEntry);
            }
        }
        b.put(codeOffset, code);
        return b.array();
    }

    /** gzip of {@code data}: gzip's trailer already ends with the uncompressed size. */
    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code compressed} followed by the 4-byte little-endian {@code size}, as the kernel build appends it. */
    static byte[] withSizeSuffix(byte[] compressed, int size) {
        return ByteBuffer.allocate(compressed.length + 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .put(compressed)
                .putInt(size)
                .array();
    }
}
