package org.vmm4j.examples;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.vmm4j.boot.VmlinuxExtractor;

/** {@code vmm4j vmlinux BZIMAGE OUT}: extracts the ELF vmlinux from a bzImage (the kernel's extract-vmlinux, in Java). */
final class VmlinuxCommand implements Cli.Command {

    static final CommandSpec SPEC = new CommandSpec(
            "vmlinux",
            "extract the ELF vmlinux from a bzImage: vmlinux BZIMAGE OUT",
            "BZIMAGE OUT",
            List.of(),
            "vmm4j vmlinux /boot/vmlinuz /tmp/vmlinux");

    @Override
    public CommandSpec spec() {
        return SPEC;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Arguments a = new Arguments(args, SPEC);
        Path in = Path.of(a.positional(CliText.t("vmlinux.what-bzimage")));
        Path target = Path.of(a.positional(CliText.t("what.out")));
        a.end();
        byte[] vmlinux = VmlinuxExtractor.extract(Files.readAllBytes(in));
        Files.write(target, vmlinux, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        out.println(CliText.t("vmlinux.wrote", target.toString(), vmlinux.length));
        return 0;
    }
}
