/**
 * The FreeBSD host around bhyve: {@link org.vmm4j.freebsd.host.BhyveProbe} decides from
 * {@link org.vmm4j.freebsd.host.FreeBsdHostFacts} (sysctls, files, programs) whether vmm(4) is loaded,
 * initialised and supported by CPU and kernel, without opening anything; recorded facts of real hosts
 * test it. {@link org.vmm4j.freebsd.host.BhyveSetupPlans} and
 * {@link org.vmm4j.freebsd.host.BhyveNetworkPlans} are host plans, steps a user can read before they
 * run as root: load vmm at boot, install firmware, create bridges for bridged, NAT (pf) and host-only
 * networks with DHCP from dnsmasq, and per-guest taps. Every name that reaches a program is validated
 * first, and programs start from argument lists.
 */
package org.vmm4j.freebsd.host;
