package org.vmm4j.benchmarks;

import java.time.Duration;
import java.util.Arrays;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.boot.BootConfig;
import org.vmm4j.boot.BootSetup;
import org.vmm4j.boot.BootState;
import org.vmm4j.boot.EntryKind;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.MinimalKernel;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.x86.Irqchip;

/**
 * {@link MachineStartup}'s phases timed one by one inside a single boot, the first boot of the JVM
 * (cold) apart from the median of the rest (warm): the steps of {@code Machine}'s recipe with
 * {@code System.nanoTime()} between them, then a whole {@link Machine} boot split into build, run to
 * the reset, and close.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar org.vmm4j.benchmarks.StartupPhases 31 [kernel|split]</pre>
 *
 * The second argument picks the {@link Irqchip} (default {@code kernel}).
 */
public final class StartupPhases {
    private static final long MEMORY = 256L << 20;
    private static final String[] PHASES = {
        "open /dev/kvm",
        "VM create (+TSS, irqchip)",
        "memory map",
        "vCPU create + setup",
        "load (kernel, boot_params, registers)",
        "teardown (close)",
        "Machine: build",
        "Machine: start to reset",
        "Machine: close"
    };

    private StartupPhases() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 31;
        Irqchip irqchip =
                args.length > 1 ? Irqchip.valueOf(args[1].toUpperCase(java.util.Locale.ROOT)) : Irqchip.KERNEL;
        LinuxKernel kernel = LinuxKernel.of(MinimalKernel.bzImage(), EntryKind.BZIMAGE_64, null);
        long[][] t = new long[PHASES.length][rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            try (Hypervisor hv = Hypervisor.open()) {
                long t1 = System.nanoTime();
                VirtualMachine vm = hv.createVm();
                vm.x86().prepare(irqchip);
                long t2 = System.nanoTime();
                GuestMemory low = vm.allocateMemory(0, MEMORY);
                long t3 = System.nanoTime();
                VirtualCpu cpu = vm.x86().createBootVcpu(0, 1);
                long t4 = System.nanoTime();
                BootState boot = BootSetup.prepare(low, new BootConfig(kernel, MEMORY, 1, "console=ttyS0", null));
                cpu.setSpecialRegisters(boot.specialRegisters(cpu.specialRegisters()));
                cpu.setRegisters(boot.registers());
                long t5 = System.nanoTime();
                vm.close();
                long t6 = System.nanoTime();
                Machine machine = Machine.builder()
                        .hypervisor(hv)
                        .kernel(kernel)
                        .memoryBytes(MEMORY)
                        .irqchip(irqchip)
                        .build();
                long t7 = System.nanoTime();
                machine.start();
                MachineExit exit = machine.awaitExit(Duration.ofSeconds(10)).orElseThrow();
                long t8 = System.nanoTime();
                machine.close();
                long t9 = System.nanoTime();
                if (exit.reason() != MachineExit.Reason.REBOOT) {
                    throw new IllegalStateException("guest ended with " + exit);
                }
                long[] marks = {t0, t1, t2, t3, t4, t5, t6, t6, t7, t8, t9};
                for (int p = 0; p < 6; p++) {
                    t[p][r] = marks[p + 1] - marks[p];
                }
                for (int p = 6; p < 9; p++) {
                    t[p][r] = marks[p + 2] - marks[p + 1];
                }
            }
        }
        System.out.println("irqchip " + irqchip);
        System.out.println("| phase | first boot (cold) ms | median of " + (rounds - 1) + " (warm) ms |");
        System.out.println("| --- | ---: | ---: |");
        for (int p = 0; p < PHASES.length; p++) {
            long[] warm = Arrays.copyOfRange(t[p], 1, rounds);
            Arrays.sort(warm);
            System.out.println("| " + PHASES[p] + " | " + ms(t[p][0]) + " | "
                    + ms(warm.length == 0 ? 0 : warm[warm.length / 2]) + " |");
        }
    }

    private static String ms(long nanos) {
        return String.format("%.2f", nanos / 1e6);
    }
}
