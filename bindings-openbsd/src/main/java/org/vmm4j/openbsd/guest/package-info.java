/**
 * vmd(8) as a tier-2 guest manager: the guests OpenBSD's vmd runs, reached through
 * {@code GuestManager.connect()} on OpenBSD (or {@link org.vmm4j.openbsd.guest.VmdGuestManager#connect}),
 * in pure Java over vmd's control socket; only finding the release when the URI names none asks the
 * kernel ({@code kern.osrelease}).
 *
 * <p>Layers, bottom up:
 * <ul>
 *   <li>imsg framing ({@link org.vmm4j.openbsd.guest.ImsgHeaderFormat}, both header layouts;
 *       {@link org.vmm4j.openbsd.guest.ImsgChannel} over a {@code java.nio} UNIX socket) and vmd's
 *       messages per release ({@link org.vmm4j.openbsd.guest.VmdProtocol},
 *       {@link org.vmm4j.openbsd.guest.VmdMessages}), checked against gcc by
 *       {@code VmdProtocolCompilerTest}.</li>
 *   <li>{@link org.vmm4j.openbsd.guest.VmdClient}: vmctl's conversations, one connection per
 *       command.</li>
 *   <li>vm.conf(5): {@link org.vmm4j.openbsd.guest.VmConf} (items in file order, unknown statements
 *       kept), {@link org.vmm4j.openbsd.guest.VmConfParser},
 *       {@link org.vmm4j.openbsd.guest.VmConfFile} (replaced atomically).</li>
 *   <li>{@link org.vmm4j.openbsd.guest.VmdGuestManager} and its guests: definitions in vm.conf,
 *       lifecycle through vmd, addresses from the host (vmd's local DHCP, dhcpd leases, the ARP
 *       table); what vmd cannot do throws {@link java.lang.UnsupportedOperationException}.</li>
 *   <li>{@link org.vmm4j.openbsd.guest.DiskImages}: {@code vmctl create}'s disk images, made
 *       locally.</li>
 * </ul>
 */
package org.vmm4j.openbsd.guest;
