package org.vmm4j.boot;

import java.util.List;
import org.vmm4j.GuestMemory;

/**
 * Writes boot_params, the "zero page" the bzImage 64-bit entry receives in RSI
 * (arch/x86/include/uapi/asm/bootparam.h, Linux 6.1): the image's setup header copied in and
 * completed with what the loader decided.
 */
final class BootParams {

    public static final int SIZE = 4096;
    public static final int OFFSET_EXT_RAMDISK_IMAGE = 0x0c0;
    public static final int OFFSET_EXT_RAMDISK_SIZE = 0x0c4;
    public static final int OFFSET_EXT_CMD_LINE_PTR = 0x0c8;
    public static final int OFFSET_E820_ENTRIES = 0x1e8;
    public static final int OFFSET_VID_MODE = 0x1fa;
    public static final int OFFSET_E820_TABLE = 0x2d0;
    public static final int E820_ENTRY_SIZE = 20;
    /** E820_MAX_ENTRIES_ZEROPAGE. */
    public static final int E820_MAX_ENTRIES = 128;
    /** type_of_loader 0xff: "undefined" boot loader. */
    public static final int LOADER_TYPE_UNDEFINED = 0xff;
    /** vid_mode 0xffff: "normal" text mode, no mode change. */
    public static final int VID_MODE_NORMAL = 0xffff;

    private BootParams() {}

    /**
     * Writes boot_params at {@code address}.
     *
     * @param rawHeader      the image's setup header bytes from offset 0x1f1 (see {@link SetupHeader#rawHeader})
     * @param initrdAddress  0 with {@code initrdSize} 0 for no initrd
     */
    public static void write(
            GuestMemory memory,
            long address,
            byte[] rawHeader,
            long commandLineAddress,
            long initrdAddress,
            long initrdSize,
            List<E820Entry> e820) {
        if (e820.size() > E820_MAX_ENTRIES) {
            throw new BootException("e820 map has " + e820.size() + " entries, boot_params holds " + E820_MAX_ENTRIES);
        }
        if (SetupHeader.OFFSET_SETUP_SECTS + rawHeader.length > OFFSET_E820_TABLE) {
            throw new BootException("setup header of " + rawHeader.length + " bytes overruns boot_params' e820 table");
        }
        memory.fill(address, SIZE, (byte) 0);
        memory.write(address + SetupHeader.OFFSET_SETUP_SECTS, rawHeader);
        memory.putShort(address + OFFSET_VID_MODE, (short) VID_MODE_NORMAL);
        memory.putByte(address + SetupHeader.OFFSET_TYPE_OF_LOADER, (byte) LOADER_TYPE_UNDEFINED);
        memory.putInt(address + SetupHeader.OFFSET_CMD_LINE_PTR, (int) commandLineAddress);
        memory.putInt(address + OFFSET_EXT_CMD_LINE_PTR, (int) (commandLineAddress >>> 32));
        memory.putInt(address + SetupHeader.OFFSET_RAMDISK_IMAGE, (int) initrdAddress);
        memory.putInt(address + OFFSET_EXT_RAMDISK_IMAGE, (int) (initrdAddress >>> 32));
        memory.putInt(address + SetupHeader.OFFSET_RAMDISK_SIZE, (int) initrdSize);
        memory.putInt(address + OFFSET_EXT_RAMDISK_SIZE, (int) (initrdSize >>> 32));
        memory.putByte(address + OFFSET_E820_ENTRIES, (byte) e820.size());
        long p = address + OFFSET_E820_TABLE;
        for (E820Entry e : e820) {
            memory.putLong(p, e.address());
            memory.putLong(p + 8, e.size());
            memory.putInt(p + 16, e.type());
            p += E820_ENTRY_SIZE;
        }
    }
}
