/**
 * OpenBSD's vmm(4) as a tier-1 backend and the module's provider: {@link org.vmm4j.openbsd.OpenBsdProvider}
 * (found by {@link java.util.ServiceLoader}; also connects vmd, the tier-2 manager of
 * {@link org.vmm4j.openbsd.guest}), {@link org.vmm4j.openbsd.OpenBsdHypervisor} (kind
 * {@value org.vmm4j.openbsd.OpenBsdHypervisor#KIND}), {@link org.vmm4j.openbsd.OpenBsdVm},
 * {@link org.vmm4j.openbsd.OpenBsdVcpu} and the exit view {@link org.vmm4j.openbsd.OpenBsdExit}, over an
 * ioctl layer that is {@code /dev/vmm} on OpenBSD and a scripted kernel in tests.
 *
 * <p>How vmm(4) differs from KVM and bhyve, and what this backend does about it:
 * <ul>
 *   <li>Memory and vCPU count go to the kernel in one {@code VMM_IOC_CREATE}: the VM is created
 *       lazily, at the first run or register access, then frozen.</li>
 *   <li>The exit buffer is ours ({@code vrp_exit}); completing an I/O exit means writing
 *       {@code vei_data} and advancing RIP in that buffer before the next run, as vmd does.</li>
 *   <li>Interrupts are injected with the run ({@code vrp_inject}) when the last exit said the guest
 *       is ready; {@code VMM_IOC_INTR} kicks a running vCPU, which is also how
 *       {@code requestStop()} works.</li>
 *   <li>MMIO exits carry no address: the instruction is decoded ({@code MmioDecoder}) and the guest
 *       page tables walked ({@code GuestPageWalker}), as vmd does.</li>
 *   <li>Layouts and request numbers depend on the release ({@link org.vmm4j.openbsd.abi.VmmAbi}).</li>
 * </ul>
 */
package org.vmm4j.openbsd;
