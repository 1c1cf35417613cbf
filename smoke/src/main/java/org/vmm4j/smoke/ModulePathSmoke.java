package org.vmm4j.smoke;

import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmExit;

/**
 * Runs on the module path: checks that vmm4j core and the Linux backend were loaded as named modules,
 * prints {@link Hypervisor#probe()}, opens the hypervisor that the module system's service binding found,
 * and runs the README's first guest (it prints 2 + 3 on the serial port). Exits non-zero on any mismatch.
 * With {@code --probe-only} it stops after the probe (for hosts without /dev/kvm).
 */
public final class ModulePathSmoke {
    private ModulePathSmoke() {}

    /**
     * Runs the smoke test.
     *
     * @param args {@code --probe-only} to skip opening the hypervisor and running the guest
     */
    public static void main(String[] args) {
        expect("org.vmm4j.smoke", ModulePathSmoke.class.getModule().getName(), "this application's module");
        expect("org.vmm4j.core", Hypervisor.class.getModule().getName(), "the module of the vmm4j API");

        System.out.println("Hypervisor.probe(): " + Hypervisor.probe().toJson());
        if (args.length == 1 && args[0].equals("--probe-only")) {
            System.out.println("module-path smoke: probe only, no guest run");
            return;
        }

        StringBuilder out = new StringBuilder();
        try (Hypervisor hv = Hypervisor.open();
                VirtualMachine vm = hv.createVm()) {
            expect("org.vmm4j.linux", hv.getClass().getModule().getName(), "the module of the opened backend");
            GuestMemory ram = vm.allocateMemory(0x1000, 0x1000);
            ram.write(0, new byte[] {
                (byte) 0xba,
                (byte) 0xf8,
                0x03, // mov dx, 0x3f8
                0x00,
                (byte) 0xd8, // add al, bl
                0x04,
                '0', // add al, '0'
                (byte) 0xee, // out dx, al
                (byte) 0xf4 // hlt
            });
            VirtualCpu cpu = vm.createVcpu(0);
            cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                    .cs(Segment.realMode(0, true))
                    .dataSegments(Segment.realMode(0, false))
                    .build());
            cpu.setRegisters(Registers.builder().rip(0x1000).rax(2).rbx(3).build());
            for (VmExit exit = cpu.run(); exit.kind() != ExitKind.HLT; exit = cpu.run()) {
                if (exit.kind() == ExitKind.IO_OUT && exit.ioPort() == 0x3f8) {
                    out.append((char) exit.ioData(0));
                }
            }
        }
        expect("5", out.toString(), "what the guest printed on COM1");
        System.out.println("module-path smoke: the guest printed " + out + " through " + Hypervisor.class.getModule()
                + " and org.vmm4j.linux");
    }

    private static void expect(String expected, String actual, String what) {
        if (!expected.equals(actual)) {
            System.err.println("module-path smoke FAILED: " + what + " is " + actual + ", expected " + expected);
            System.exit(1);
        }
    }
}
