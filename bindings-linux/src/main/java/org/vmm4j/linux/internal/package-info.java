/**
 * The Linux backends' seam-facing machinery, not exported: the libvirt function table
 * ({@code Libvirt}), its error handler, reference handles, scratch buffers, event loop and callbacks,
 * the typed-parameter decoder behind bulk guest statistics, and {@code VcpuKick}, which gets a vCPU
 * out of {@code KVM_RUN} from another thread. Classes are public only where the module's exported
 * packages call them; none appears in an exported signature ({@code -Xlint:exports}).
 */
package org.vmm4j.linux.internal;
