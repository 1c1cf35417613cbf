/**
 * The OpenBSD host: what it offers ({@link org.vmm4j.openbsd.host.OpenBsdProbe} over
 * {@link org.vmm4j.host.HostFacts}) and the plans that prepare it for vmd
 * ({@link org.vmm4j.openbsd.host.OpenBsdPlans}: setup, local, bridged and routed NAT networking).
 */
package org.vmm4j.openbsd.host;
