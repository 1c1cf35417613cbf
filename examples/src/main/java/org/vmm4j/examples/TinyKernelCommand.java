package org.vmm4j.examples;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vmm4j.boot.MinimalKernel;
import org.vmm4j.examples.CommandSpec.Option;

/**
 * {@code vmm4j tiny-kernel OUT}: writes {@link MinimalKernel}'s bzImage (a few hundred bytes that print
 * {@code BOOTED} on COM1 and reset through the i8042) to OUT, for start-up measurements against other
 * VMMs booting the same file.
 *
 * <p>vmm4j enters the image at its 64-bit entry. Firmware-based loaders (QEMU's linuxboot option ROM,
 * as {@code -M microvm} uses) enter it in real mode at the setup code instead, which MinimalKernel
 * leaves empty; so this command also puts a real-mode path behind the setup header's jump: print
 * {@code BOOTED} on COM1, write 0 to isa-debug-exit (port 0xf4), reset through the i8042, halt.
 *
 * <p>{@code --hold} writes a variant that prints and then halts for ever instead of ending the machine,
 * to measure a VMM's footprint while its guest idles.
 */
final class TinyKernelCommand implements Cli.Command {

    static final CommandSpec SPEC = new CommandSpec(
            "tiny-kernel",
            "write a few-hundred-byte bzImage that prints BOOTED and resets: [--hold] OUT",
            "[--hold] OUT",
            List.of(Option.flag("--hold", "print BOOTED, then halt for ever instead of ending the machine")),
            "vmm4j tiny-kernel /tmp/tiny.bzImage");

    @Override
    public CommandSpec spec() {
        return SPEC;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Arguments a = new Arguments(args, SPEC);
        boolean hold = a.flag("--hold");
        String file = a.positional(CliText.t("what.out"));
        a.end();
        byte[] image = withRealModePath(MinimalKernel.bzImage());
        if (hold) {
            hold(image);
        }
        Files.write(Path.of(file), image);
        err.println(CliText.t("tiny-kernel.wrote", image.length, file));
        return 0;
    }

    /** Where the setup header's jump (at 0x200) lands: the real-mode entry, CS:0 being file offset 0x200. */
    private static final int REAL_MODE_ENTRY = 0x264;

    /** 16-bit code, entered at CS:0x64 with CS based at the setup code (file offset 0x200). */
    private static final int[] ENTRY_16 = {
        0xfc, //  0: cld
        0xba, 0xf8, 0x03, //  1: mov dx, 0x3f8
        0xbe, 0x80, 0x00, //  4: mov si, 0x64 + 28         banner
        0x2e, 0xac, //  7: lodsb al, cs:[si]
        0x84, 0xc0, //  9: test al, al
        0x74, 0x03, // 11: jz 16
        0xee, // 13: out dx, al
        0xeb, 0xf7, // 14: jmp 7
        0xb0, 0x00, // 16: mov al, 0
        0xe6, 0xf4, // 18: out 0xf4, al               isa-debug-exit
        0xb0, 0xfe, // 20: mov al, 0xfe
        0xe6, 0x64, // 22: out 0x64, al               i8042 reset
        0xfa, // 24: cli
        0xf4, // 25: hlt
        0xeb, 0xfd, // 26: jmp 25
    };

    /** Where MinimalKernel's 64-bit code writes 0xfe to the i8042 ({@code out 0x64, al}). */
    private static final int RESET_64 = 1024 + 0x200 + 45;

    /** Turns every port write that ends the machine into NOPs: both paths then halt for ever. */
    static void hold(byte[] image) {
        for (int at : new int[] {RESET_64, REAL_MODE_ENTRY + 18, REAL_MODE_ENTRY + 22}) {
            if (image[at] != (byte) 0xe6) {
                throw new IllegalStateException("no OUT imm8 at 0x" + Integer.toHexString(at));
            }
            image[at] = (byte) 0x90;
            image[at + 1] = (byte) 0x90;
        }
    }

    static byte[] withRealModePath(byte[] image) {
        int jumpTarget = 0x202 + (image[0x201] & 0xff);
        if (image[0x200] != (byte) 0xeb || jumpTarget != REAL_MODE_ENTRY) {
            throw new IllegalStateException(
                    "MinimalKernel's setup header changed: jump to 0x" + Integer.toHexString(jumpTarget));
        }
        byte[] banner = (MinimalKernel.BANNER + "\n\0").getBytes(StandardCharsets.US_ASCII);
        int at = REAL_MODE_ENTRY;
        for (int b : ENTRY_16) {
            image[at++] = (byte) b;
        }
        System.arraycopy(banner, 0, image, at, banner.length);
        return image;
    }
}
