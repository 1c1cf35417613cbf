/**
 * vmd(8) as a tier-2 guest manager, without native code: imsg framing
 * ({@link org.vmm4j.openbsd.vmd.ImsgHeaderFormat}, {@link org.vmm4j.openbsd.vmd.ImsgChannel}), vmd's
 * messages ({@link org.vmm4j.openbsd.vmd.VmdProtocol}, {@link org.vmm4j.openbsd.vmd.VmdMessages}), a
 * vmctl equivalent over the control socket ({@link org.vmm4j.openbsd.vmd.VmdClient}), vm.conf(5)
 * ({@link org.vmm4j.openbsd.vmd.VmConf}, {@link org.vmm4j.openbsd.vmd.VmConfParser},
 * {@link org.vmm4j.openbsd.vmd.VmConfFile}) and the {@link org.vmm4j.guest.GuestManager}
 * ({@link org.vmm4j.openbsd.vmd.VmdGuestManager}).
 */
package org.vmm4j.openbsd.vmd;
