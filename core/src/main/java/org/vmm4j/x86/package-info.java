/**
 * The x86 platform a backend gives a {@link org.vmm4j.machine.Machine}: where the interrupt controllers
 * live ({@link org.vmm4j.x86.Irqchip}), how devices raise interrupts ({@link org.vmm4j.x86.InterruptLine},
 * {@link org.vmm4j.x86.MsiController}), and the per-VM set-up that the unified API does not cover
 * ({@link org.vmm4j.x86.X86Platform}, from {@link org.vmm4j.VirtualMachine#x86()}). A backend implements
 * these on its own VM type, so nothing here needs a downcast.
 *
 * <p>The CPU a guest is shown is data: a {@link org.vmm4j.x86.CpuModel} ({@code host}, {@code baseline},
 * {@code auto}, plus edits by {@link org.vmm4j.x86.CpuFeature} name) that the {@code Machine} chooses and
 * applies to {@link org.vmm4j.x86.X86Platform#supportedCpuid()}; the backend sets the result on each vCPU.
 */
package org.vmm4j.x86;
