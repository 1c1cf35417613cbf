/**
 * KVM in process (tier 1): the JVM is the VMM. {@link org.vmm4j.linux.KvmProvider} is what
 * {@link java.util.ServiceLoader} finds; {@link org.vmm4j.linux.KvmHypervisor#KIND} names the backend.
 *
 * <p>One file descriptor owner per class, as in rust-vmm's kvm-ioctls:
 * {@link org.vmm4j.linux.KvmSystem} ({@code /dev/kvm}: API version, supported CPUID, MSR list),
 * {@link org.vmm4j.linux.KvmVm} (memory slots, irqchip, split irqchip, MSIs, GSI routes, PIT, IRQ
 * lines, dirty log, statistics) and {@link org.vmm4j.linux.KvmVcpu} (registers, CPUID, MSRs, FPU,
 * LAPIC, MP state, and {@code run()}, whose exit is a reusable view over the mapped {@code kvm_run}).
 * The x86 machine set-up {@code Machine} asks for goes through {@link org.vmm4j.VirtualMachine#x86()}.
 * Every ioctl number and struct offset these use lives in {@link org.vmm4j.linux.abi}; how a vCPU is
 * kicked out of {@code KVM_RUN} and other seam-facing pieces are internal to the module.
 */
package org.vmm4j.linux;
