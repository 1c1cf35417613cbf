package org.vmm4j.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * An x86-64 ELF kernel image ({@code vmlinux}): its loadable segments at their physical addresses
 * and, if the kernel was built with CONFIG_PVH, the PVH entry point from the ELF note
 * XEN_ELFNOTE_PHYS32_ENTRY (type 18, owner "Xen").
 */
public final class ElfKernel {

    /** Xen's ELF note type for the 32-bit physical entry point (xen/include/public/elfnote.h). */
    public static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;
    private static final int EM_X86_64 = 62;

    /** One PT_LOAD segment: {@code fileSize} bytes from {@code fileOffset} go to {@code physicalAddress}, zero-filled to {@code memorySize}. */
    public record Segment(long physicalAddress, long fileOffset, long fileSize, long memorySize) {
        public long end() {
            return physicalAddress + memorySize;
        }
    }

    private final byte[] image;
    private final List<Segment> segments;
    private final OptionalLong pvhEntry;
    private final long entryPoint;

    private ElfKernel(byte[] image, List<Segment> segments, OptionalLong pvhEntry, long entryPoint) {
        this.entryPoint = entryPoint;
        this.image = image;
        this.segments = segments;
        this.pvhEntry = pvhEntry;
    }

    /** Whether {@code image} starts with the ELF magic. */
    public static boolean looksLikeElf(byte[] image) {
        return image.length >= 4 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F';
    }

    /**
     * Parses an ELF64 little-endian x86-64 image.
     *
     * @throws BootException if it is not one, or a header points outside the image
     */
    public static ElfKernel parse(byte[] image) {
        if (!looksLikeElf(image)) {
            throw new BootException("not an ELF image: no \\x7fELF magic");
        }
        if (image.length < 64 || image[4] != 2 || image[5] != 1) {
            throw new BootException("ELF kernel must be 64-bit little-endian (ELFCLASS64, ELFDATA2LSB)");
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int machine = b.getShort(18) & 0xffff;
        if (machine != EM_X86_64) {
            throw new BootException("ELF kernel is for machine " + machine + ", not x86-64 (62)");
        }
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff;
        int phnum = b.getShort(56) & 0xffff;
        if (phentsize < 56) {
            throw new BootException("ELF program header entries are " + phentsize + " bytes; ELF64 needs at least 56");
        }
        long headersSize = (long) phentsize * phnum;
        if (phoff < 0 || phoff > image.length - headersSize) {
            throw new BootException("ELF program headers (" + phnum + " of " + phentsize + " bytes at offset 0x"
                    + Long.toHexString(phoff) + ") lie outside the image of "
                    + image.length + " bytes (truncated kernel?)");
        }
        List<Segment> segments = new ArrayList<>();
        OptionalLong pvh = OptionalLong.empty();
        for (int i = 0; i < phnum; i++) {
            int ph = (int) (phoff + (long) i * phentsize);
            int type = b.getInt(ph);
            long offset = b.getLong(ph + 8);
            long paddr = b.getLong(ph + 24);
            long filesz = b.getLong(ph + 32);
            long memsz = b.getLong(ph + 40);
            if (type != PT_LOAD && type != PT_NOTE) {
                continue;
            }
            if (offset < 0 || filesz < 0 || offset > image.length || filesz > image.length - offset) {
                throw new BootException("ELF segment " + i + " (0x" + Long.toHexString(filesz) + " bytes at offset 0x"
                        + Long.toHexString(offset) + ") lies outside the image of " + image.length
                        + " bytes (truncated kernel?)");
            }
            if (type == PT_LOAD) {
                checkLoadSegment(i, paddr, filesz, memsz);
                if (memsz > 0) {
                    segments.add(new Segment(paddr, offset, filesz, memsz));
                }
            } else if (pvh.isEmpty()) {
                pvh = findPvhEntry(b, (int) offset, (int) filesz);
            }
        }
        if (segments.isEmpty()) {
            throw new BootException("ELF kernel has no loadable (PT_LOAD) segment");
        }
        return new ElfKernel(image, List.copyOf(segments), pvh, b.getLong(24));
    }

    /** A PT_LOAD segment must fit its file part in its memory part and lie below 2^63 bytes. */
    private static void checkLoadSegment(int i, long paddr, long filesz, long memsz) {
        if (filesz > memsz || memsz < 0) {
            throw new BootException("ELF segment " + i + " is malformed: its file size (p_filesz 0x"
                    + Long.toHexString(filesz) + ") exceeds its memory size (p_memsz 0x" + Long.toHexString(memsz)
                    + ")");
        }
        if (paddr < 0 || memsz > Long.MAX_VALUE - paddr) {
            throw new BootException("ELF segment " + i + " is to be loaded at physical address 0x"
                    + Long.toHexString(paddr) + " (0x" + Long.toHexString(memsz)
                    + " bytes), beyond any guest-physical address (a virtual address in p_paddr?)");
        }
    }

    private static OptionalLong findPvhEntry(ByteBuffer b, int start, int length) {
        int p = start;
        int end = start + length;
        while (p + 12 <= end) {
            int namesz = b.getInt(p);
            int descsz = b.getInt(p + 4);
            int type = b.getInt(p + 8);
            int name = p + 12;
            int desc = name + align4(namesz);
            int next = desc + align4(descsz);
            if (namesz < 0 || descsz < 0 || next > end || next <= p) {
                break;
            }
            if (type == XEN_ELFNOTE_PHYS32_ENTRY
                    && namesz == 4
                    && b.get(name) == 'X'
                    && b.get(name + 1) == 'e'
                    && b.get(name + 2) == 'n'
                    && b.get(name + 3) == 0) {
                if (descsz == 4) {
                    return OptionalLong.of(b.getInt(desc) & 0xffff_ffffL);
                }
                if (descsz == 8) {
                    return OptionalLong.of(b.getLong(desc));
                }
            }
            p = next;
        }
        return OptionalLong.empty();
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }

    public List<Segment> segments() {
        return segments;
    }

    /** e_entry: for a Linux vmlinux the physical address of startup_64 (the linker's ENTRY(phys_startup_64)). */
    public long entryPoint() {
        return entryPoint;
    }

    /** The 32-bit PVH entry point, if the kernel has the XEN_ELFNOTE_PHYS32_ENTRY note. */
    public OptionalLong pvhEntry() {
        return pvhEntry;
    }

    /** Lowest physical address a segment occupies. */
    public long lowestAddress() {
        long low = Long.MAX_VALUE;
        for (Segment s : segments) {
            low = Math.min(low, s.physicalAddress());
        }
        return low;
    }

    /** One past the highest physical address a segment occupies. */
    public long end() {
        long end = 0;
        for (Segment s : segments) {
            end = Math.max(end, s.end());
        }
        return end;
    }

    /** The image bytes of {@code segment} (its file part; the rest of its memory is zero). */
    byte[] image() {
        return image;
    }
}
