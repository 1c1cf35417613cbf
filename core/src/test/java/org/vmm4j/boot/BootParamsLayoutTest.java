package org.vmm4j.boot;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.CompilerValues;
import org.vmm4j.testsupport.RequiresHost;

/** Compares the boot_params / setup_header offsets with what gcc says for <asm/bootparam.h>. */
class BootParamsLayoutTest {

    @TempDir
    Path dir;

    @Test
    @RequiresHost(
            tools = "gcc",
            files = {RequiresHost.LIBC_HEADERS, RequiresHost.BOOTPARAM_HEADER})
    void offsetsMatchTheKernelHeader() throws Exception {
        Map<String, Long> ours = new LinkedHashMap<>();
        ours.put("offsetof(struct boot_params, ext_ramdisk_image)", (long) BootParams.OFFSET_EXT_RAMDISK_IMAGE);
        ours.put("offsetof(struct boot_params, ext_ramdisk_size)", (long) BootParams.OFFSET_EXT_RAMDISK_SIZE);
        ours.put("offsetof(struct boot_params, ext_cmd_line_ptr)", (long) BootParams.OFFSET_EXT_CMD_LINE_PTR);
        ours.put("offsetof(struct boot_params, e820_entries)", (long) BootParams.OFFSET_E820_ENTRIES);
        ours.put("offsetof(struct boot_params, e820_table)", (long) BootParams.OFFSET_E820_TABLE);
        ours.put("sizeof(struct boot_e820_entry)", (long) BootParams.E820_ENTRY_SIZE);
        ours.put("E820_MAX_ENTRIES_ZEROPAGE", (long) BootParams.E820_MAX_ENTRIES);
        ours.put("sizeof(struct boot_params)", (long) BootParams.SIZE);
        ours.put("offsetof(struct boot_params, hdr)", (long) SetupHeader.OFFSET_SETUP_SECTS);
        ours.put("offsetof(struct boot_params, hdr.vid_mode)", (long) BootParams.OFFSET_VID_MODE);
        ours.put("offsetof(struct boot_params, hdr.boot_flag)", (long) SetupHeader.OFFSET_BOOT_FLAG);
        ours.put("offsetof(struct boot_params, hdr.jump)", (long) SetupHeader.OFFSET_JUMP);
        ours.put("offsetof(struct boot_params, hdr.header)", (long) SetupHeader.OFFSET_HEADER);
        ours.put("offsetof(struct boot_params, hdr.version)", (long) SetupHeader.OFFSET_VERSION);
        ours.put("offsetof(struct boot_params, hdr.type_of_loader)", (long) SetupHeader.OFFSET_TYPE_OF_LOADER);
        ours.put("offsetof(struct boot_params, hdr.loadflags)", (long) SetupHeader.OFFSET_LOADFLAGS);
        ours.put("offsetof(struct boot_params, hdr.ramdisk_image)", (long) SetupHeader.OFFSET_RAMDISK_IMAGE);
        ours.put("offsetof(struct boot_params, hdr.ramdisk_size)", (long) SetupHeader.OFFSET_RAMDISK_SIZE);
        ours.put("offsetof(struct boot_params, hdr.heap_end_ptr)", (long) SetupHeader.OFFSET_HEAP_END_PTR);
        ours.put("offsetof(struct boot_params, hdr.cmd_line_ptr)", (long) SetupHeader.OFFSET_CMD_LINE_PTR);
        ours.put("offsetof(struct boot_params, hdr.initrd_addr_max)", (long) SetupHeader.OFFSET_INITRD_ADDR_MAX);
        ours.put("offsetof(struct boot_params, hdr.kernel_alignment)", (long) SetupHeader.OFFSET_KERNEL_ALIGNMENT);
        ours.put("offsetof(struct boot_params, hdr.relocatable_kernel)", (long) SetupHeader.OFFSET_RELOCATABLE_KERNEL);
        ours.put("offsetof(struct boot_params, hdr.xloadflags)", (long) SetupHeader.OFFSET_XLOADFLAGS);
        ours.put("offsetof(struct boot_params, hdr.cmdline_size)", (long) SetupHeader.OFFSET_CMDLINE_SIZE);
        ours.put("offsetof(struct boot_params, hdr.payload_offset)", (long) SetupHeader.OFFSET_PAYLOAD_OFFSET);
        ours.put("offsetof(struct boot_params, hdr.payload_length)", (long) SetupHeader.OFFSET_PAYLOAD_LENGTH);
        ours.put("offsetof(struct boot_params, hdr.pref_address)", (long) SetupHeader.OFFSET_PREF_ADDRESS);
        ours.put("offsetof(struct boot_params, hdr.init_size)", (long) SetupHeader.OFFSET_INIT_SIZE);
        ours.put("XLF_KERNEL_64", (long) SetupHeader.XLF_KERNEL_64);
        ours.put("XLF_CAN_BE_LOADED_ABOVE_4G", (long) SetupHeader.XLF_CAN_BE_LOADED_ABOVE_4G);
        ours.put("LOADED_HIGH", (long) SetupHeader.LOADFLAG_LOADED_HIGH);
        ours.put("CAN_USE_HEAP", (long) SetupHeader.LOADFLAG_CAN_USE_HEAP);

        CompilerValues.assertSameAsCompiler(dir, "#include <asm/bootparam.h>", ours);
    }
}
