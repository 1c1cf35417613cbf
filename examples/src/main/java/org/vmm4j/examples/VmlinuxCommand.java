package org.vmm4j.examples;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.vmm4j.boot.VmlinuxExtractor;

/** {@code vmm4j vmlinux BZIMAGE OUT}: extracts the ELF vmlinux from a bzImage (the kernel's extract-vmlinux, in Java). */
final class VmlinuxCommand implements Cli.Command {

    @Override
    public String summary() {
        return "extract the ELF vmlinux from a bzImage: vmlinux BZIMAGE OUT";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: vmm4j vmlinux BZIMAGE OUT");
        }
        Path in = Path.of(args[0]);
        Path target = Path.of(args[1]);
        if (!Files.isReadable(in)) {
            throw new IllegalArgumentException("cannot read " + in);
        }
        byte[] vmlinux = VmlinuxExtractor.extract(Files.readAllBytes(in));
        Files.write(target, vmlinux, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        out.println(target + ": " + vmlinux.length + " bytes");
        return 0;
    }
}
