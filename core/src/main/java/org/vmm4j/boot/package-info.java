/**
 * Booting Linux in a vCPU without firmware: the kernel formats (bzImage, ELF vmlinux with a PVH
 * note), the structures a kernel expects in guest memory, and the initial vCPU state.
 *
 * <p>The recipe, in order (what a machine does before its vCPUs run):
 * <pre>{@code
 * LinuxKernel kernel = LinuxKernel.load(path);                        // bzImage or vmlinux; PVH when possible
 * for (Layout.RamRange r : Layout.ramRanges(memorySize)) { ... map guest RAM ... }
 * BootState boot = BootSetup.prepare(lowMemory,                       // the region at guest-physical 0
 *         new BootConfig(kernel, memorySize, vcpus, cmdline, initrd)); // kernel, initrd, cmdline, zero page
 *                                                                     // or start info, MP table, GDT, page tables
 * for each vCPU i:
 *     cpuid  = CpuidNormalizer.normalize(supportedCpuid, i, vcpus)
 *     msrs   = VcpuInit.bootMsrs(); FPU: VcpuInit.FPU_CONTROL_WORD, VcpuInit.MXCSR
 *     lapic  = VcpuInit.configureLint(lapicRegisters)
 * boot vCPU: setRegisters(boot.registers()); setSpecialRegisters(boot.specialRegisters(vcpu.specialRegisters()))
 * }</pre>
 *
 * <p>{@link org.vmm4j.boot.Initramfs} and {@link org.vmm4j.boot.BusyboxInitramfs} build initial RAM
 * disks. Every problem with the input is a {@link org.vmm4j.boot.BootException} raised before any
 * vCPU runs.
 */
package org.vmm4j.boot;
