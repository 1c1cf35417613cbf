package org.vmm4j.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The bzImage setup header (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header"): the
 * fields a 64-bit boot loader reads, at their offsets in the image file (which are also their
 * offsets in boot_params).
 *
 * @param setupSects        number of 512-byte setup sectors after the boot sector (0 means 4)
 * @param version           boot protocol version, e.g. 0x020f for 2.15
 * @param loadFlags         LOADED_HIGH (bit 0), CAN_USE_HEAP (bit 7), ...
 * @param initrdAddrMax     highest address the initrd's last byte may occupy
 * @param kernelAlignment   physical alignment the kernel needs (relocatable kernels)
 * @param relocatable       whether the kernel may be loaded at any aligned address
 * @param xloadFlags        XLF_KERNEL_64 (bit 0), XLF_CAN_BE_LOADED_ABOVE_4G (bit 1), ...
 * @param cmdlineSize       maximum command line length, without the terminating NUL
 * @param payloadOffset     offset of the compressed kernel from the start of the protected-mode code
 * @param payloadLength     length of the compressed kernel
 * @param prefAddress       preferred load address
 * @param initSize          bytes the kernel needs from its load address until it has set itself up
 * @param headerEnd         offset one past the header in the file (0x202 + byte at 0x201)
 */
record SetupHeader(
        int setupSects,
        int version,
        int loadFlags,
        long initrdAddrMax,
        long kernelAlignment,
        boolean relocatable,
        int xloadFlags,
        long cmdlineSize,
        long payloadOffset,
        long payloadLength,
        long prefAddress,
        long initSize,
        int headerEnd) {

    public static final int OFFSET_SETUP_SECTS = 0x1f1;
    public static final int OFFSET_BOOT_FLAG = 0x1fe;
    public static final int OFFSET_JUMP = 0x200;
    public static final int OFFSET_HEADER = 0x202;
    public static final int OFFSET_VERSION = 0x206;
    public static final int OFFSET_TYPE_OF_LOADER = 0x210;
    public static final int OFFSET_LOADFLAGS = 0x211;
    public static final int OFFSET_RAMDISK_IMAGE = 0x218;
    public static final int OFFSET_RAMDISK_SIZE = 0x21c;
    public static final int OFFSET_HEAP_END_PTR = 0x224;
    public static final int OFFSET_CMD_LINE_PTR = 0x228;
    public static final int OFFSET_INITRD_ADDR_MAX = 0x22c;
    public static final int OFFSET_KERNEL_ALIGNMENT = 0x230;
    public static final int OFFSET_RELOCATABLE_KERNEL = 0x234;
    public static final int OFFSET_XLOADFLAGS = 0x236;
    public static final int OFFSET_CMDLINE_SIZE = 0x238;
    public static final int OFFSET_PAYLOAD_OFFSET = 0x248;
    public static final int OFFSET_PAYLOAD_LENGTH = 0x24c;
    public static final int OFFSET_PREF_ADDRESS = 0x258;
    public static final int OFFSET_INIT_SIZE = 0x260;

    public static final int BOOT_FLAG = 0xaa55;
    /** "HdrS" read as a little-endian int. */
    public static final int HEADER_MAGIC = 0x53726448;
    /** The first protocol with the 64-bit entry point and xloadflags. */
    public static final int MIN_VERSION_64BIT = 0x020c;

    public static final int LOADFLAG_LOADED_HIGH = 0x01;
    public static final int LOADFLAG_CAN_USE_HEAP = 0x80;
    public static final int XLF_KERNEL_64 = 0x01;
    public static final int XLF_CAN_BE_LOADED_ABOVE_4G = 0x02;

    /** Whether {@code image} starts like a bzImage: boot flag 0xAA55 and "HdrS". */
    public static boolean looksLikeBzImage(byte[] image) {
        if (image.length < OFFSET_HEADER + 4) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        return (b.getShort(OFFSET_BOOT_FLAG) & 0xffff) == BOOT_FLAG && b.getInt(OFFSET_HEADER) == HEADER_MAGIC;
    }

    /**
     * Parses and validates the header of a bzImage for the 64-bit entry.
     *
     * @throws BootException if the image is not a bzImage, its protocol is older than 2.12, it has
     *         no 64-bit entry, or the header's sizes point outside the image
     */
    public static SetupHeader parse(byte[] image) {
        if (!looksLikeBzImage(image)) {
            throw new BootException("not a bzImage: no boot flag 0xAA55 at 0x1fe and \"HdrS\" at 0x202");
        }
        if (image.length < OFFSET_VERSION + 2) {
            throw new BootException("bzImage setup header is truncated: the image ends at 0x"
                    + Integer.toHexString(image.length) + ", before the protocol version at 0x206");
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int version = b.getShort(OFFSET_VERSION) & 0xffff;
        if (version < MIN_VERSION_64BIT) {
            throw new BootException(String.format(
                    "bzImage boot protocol %d.%02d is too old: the 64-bit entry needs 2.12 or newer",
                    version >> 8, version & 0xff));
        }
        int headerEnd = OFFSET_HEADER + (image[OFFSET_JUMP + 1] & 0xff);
        if (headerEnd < OFFSET_INIT_SIZE + 4 || headerEnd > image.length) {
            throw new BootException("bzImage setup header is truncated: it ends at 0x" + Integer.toHexString(headerEnd)
                    + ", the image has " + image.length + " bytes");
        }
        int setupSects = image[OFFSET_SETUP_SECTS] & 0xff;
        SetupHeader h = new SetupHeader(
                setupSects,
                version,
                image[OFFSET_LOADFLAGS] & 0xff,
                u32(b, OFFSET_INITRD_ADDR_MAX),
                u32(b, OFFSET_KERNEL_ALIGNMENT),
                image[OFFSET_RELOCATABLE_KERNEL] != 0,
                b.getShort(OFFSET_XLOADFLAGS) & 0xffff,
                u32(b, OFFSET_CMDLINE_SIZE),
                u32(b, OFFSET_PAYLOAD_OFFSET),
                u32(b, OFFSET_PAYLOAD_LENGTH),
                b.getLong(OFFSET_PREF_ADDRESS),
                u32(b, OFFSET_INIT_SIZE),
                headerEnd);
        if ((h.xloadFlags & XLF_KERNEL_64) == 0) {
            throw new BootException("bzImage has no 64-bit entry point (XLF_KERNEL_64 is not set in xloadflags)");
        }
        if ((h.loadFlags & LOADFLAG_LOADED_HIGH) == 0) {
            throw new BootException("bzImage is a zImage (LOADED_HIGH not set): it cannot be loaded at 1 MiB");
        }
        if (h.protectedModeOffset() >= image.length) {
            throw new BootException(
                    "bzImage is truncated: " + h.setupSectors() + " setup sectors but only " + image.length + " bytes");
        }
        long pmSize = (long) image.length - h.protectedModeOffset();
        if (h.payloadLength != 0 && h.payloadOffset + h.payloadLength > pmSize) {
            throw new BootException("bzImage is truncated: its compressed payload ends at "
                    + (h.payloadOffset + h.payloadLength) + " but the protected-mode part has " + pmSize + " bytes");
        }
        if (h.kernelAlignment != 0 && Long.bitCount(h.kernelAlignment) != 1) {
            throw new BootException(
                    "bzImage kernel_alignment 0x" + Long.toHexString(h.kernelAlignment) + " is not a power of two");
        }
        return h;
    }

    /** Setup sectors after the boot sector (the header's 0 means 4). */
    public int setupSectors() {
        return setupSects == 0 ? 4 : setupSects;
    }

    /** File offset of the protected-mode kernel: boot sector plus setup sectors. */
    public int protectedModeOffset() {
        return (setupSectors() + 1) * 512;
    }

    /** The header bytes to copy into boot_params: from 0x1f1 to the end of the header. */
    public static byte[] rawHeader(byte[] image, SetupHeader header) {
        return Arrays.copyOfRange(image, OFFSET_SETUP_SECTS, header.headerEnd);
    }

    /**
     * A setup header for a kernel that has none of its own (an ELF vmlinux entered at startup_64): the
     * boot flag, "HdrS", protocol 2.15, loaded high, 64-bit capable, 16 MiB alignment and the command line
     * limit, as the 64-bit boot protocol expects to find them in boot_params.
     */
    public static byte[] minimalRawHeader(long cmdlineSize) {
        ByteBuffer b = ByteBuffer.allocate(OFFSET_INIT_SIZE + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(OFFSET_BOOT_FLAG, (short) BOOT_FLAG);
        b.put(OFFSET_JUMP, (byte) 0xeb);
        b.put(OFFSET_JUMP + 1, (byte) (OFFSET_INIT_SIZE + 4 - OFFSET_HEADER));
        b.putInt(OFFSET_HEADER, HEADER_MAGIC);
        b.putShort(OFFSET_VERSION, (short) 0x020f);
        b.put(OFFSET_LOADFLAGS, (byte) LOADFLAG_LOADED_HIGH);
        b.putInt(OFFSET_KERNEL_ALIGNMENT, 0x100_0000);
        b.putShort(OFFSET_XLOADFLAGS, (short) XLF_KERNEL_64);
        b.putInt(OFFSET_CMDLINE_SIZE, (int) cmdlineSize);
        return Arrays.copyOfRange(b.array(), OFFSET_SETUP_SECTS, OFFSET_INIT_SIZE + 4);
    }

    private static long u32(ByteBuffer b, int offset) {
        return b.getInt(offset) & 0xffff_ffffL;
    }
}
