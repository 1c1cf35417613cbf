package org.vmm4j.examples;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmExit;

/**
 * The guest from LWN's "Using the KVM API", grown a little: in real mode it adds two registers and
 * prints the sum to a port, reads a port, writes and reads unbacked memory (MMIO), and halts.
 */
public final class HelloGuest {
    /** Where the guest's code lives. */
    public static final long CODE = 0x1000;
    /** The port it prints to and reads from (COM1's data port). */
    public static final int PORT = 0x3f8;
    /** Unbacked guest-physical address it writes and reads. */
    public static final long MMIO = 0x8000;

    private static final byte[] CODE_BYTES = {
        (byte) 0xba,
        (byte) 0xf8,
        0x03, // mov dx, 0x3f8
        0x00,
        (byte) 0xd8, // add al, bl
        0x04,
        '0', // add al, '0'
        (byte) 0xee, // out dx, al
        (byte) 0xb0,
        '\n', // mov al, '\n'
        (byte) 0xee, // out dx, al
        (byte) 0xec, // in al, dx
        (byte) 0xc6,
        0x06,
        0x00,
        (byte) 0x80,
        0x2a, // mov byte [0x8000], 42
        (byte) 0xa0,
        0x00,
        (byte) 0x80, // mov al, [0x8000]
        (byte) 0xf4, // hlt
    };

    /** What the guest did. */
    public record Result(String printed, List<String> exits, long finalAl) {}

    private HelloGuest() {}

    /** Runs the guest with AL = {@code a}, BL = {@code b} on a VM of {@code hypervisor}. */
    public static Result run(Hypervisor hypervisor, int a, int b) {
        try (VirtualMachine vm = hypervisor.createVm()) {
            GuestMemory memory = vm.allocateMemory(CODE, 0x1000);
            memory.write(0, CODE_BYTES);
            VirtualCpu cpu = vm.createVcpu(0);
            SpecialRegisters sregs = cpu.specialRegisters();
            cpu.setSpecialRegisters(sregs.toBuilder()
                    .cs(Segment.realMode(0, true))
                    .dataSegments(Segment.realMode(0, false))
                    .build());
            cpu.setRegisters(Registers.builder().rip(CODE).rax(a).rbx(b).build());

            StringBuilder printed = new StringBuilder();
            List<String> exits = new ArrayList<>();
            long mmioCell = 0;
            while (true) {
                VmExit exit = cpu.run();
                exits.add(exit.toString());
                switch (exit.kind()) {
                    case IO_OUT -> printed.append((char) exit.ioData(0));
                    case IO_IN -> exit.setIoData(0, 'k');
                    case MMIO_WRITE -> mmioCell = exit.mmioData();
                    case MMIO_READ -> exit.setMmioData(mmioCell + 1);
                    case HLT -> {
                        return new Result(
                                printed.toString(), exits, cpu.registers().rax() & 0xff);
                    }
                    default -> throw new IllegalStateException("unexpected exit " + exit);
                }
            }
        }
    }

    static String describe(Result r) {
        StringBuilder s = new StringBuilder();
        s.append(CliText.t(
                        "hello.printed",
                        new String(r.printed().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
                                .replace("\n", "\\n")))
                .append('\n');
        s.append(CliText.t("hello.exits")).append('\n');
        for (String e : r.exits()) {
            s.append("  ").append(e).append('\n');
        }
        s.append(CliText.t("hello.al", String.valueOf(r.finalAl()))).append('\n');
        return s.toString();
    }
}
