/**
 * bhyve guests on FreeBSD (tier 2): vmm4j is the manager, each guest a bhyve(8) process it starts and
 * watches. {@link org.vmm4j.freebsd.guest.BhyveGuestManager} is what {@code GuestManager.connect()}
 * returns on FreeBSD ({@code bhyve:///system}, or {@code bhyve://} and a state directory); it keeps
 * one {@link org.vmm4j.freebsd.guest.GuestDefinition} per guest in that directory, replaced atomically,
 * renders a bhyve_config(5) file ({@link org.vmm4j.freebsd.guest.BhyveConfig}) at every start, creates
 * and removes the guest's taps, maps bhyve's exit status ({@link org.vmm4j.freebsd.guest.BhyveExitStatus})
 * to the guest's state, restarts it after a reboot and cleans up after every exit. A
 * {@link org.vmm4j.freebsd.guest.BhyveGuest} finds its IPv4 addresses on the host, in the ARP table and
 * in dnsmasq's DHCP leases, by the MACs of its NICs. What bhyve cannot do (pause, snapshots, a guest
 * agent) throws {@link java.lang.UnsupportedOperationException}.
 */
package org.vmm4j.freebsd.guest;
