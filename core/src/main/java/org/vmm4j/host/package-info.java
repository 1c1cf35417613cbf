/**
 * Preparing a host for guests, shared by every backend: read-only {@link org.vmm4j.host.HostFacts} for
 * probes, reviewable {@link org.vmm4j.host.HostPlan}s of idempotent steps, and the
 * {@link org.vmm4j.host.CommandExecutor} that runs programs (argument lists only, checked by
 * {@link org.vmm4j.host.SafeNames}) and edits files.
 */
package org.vmm4j.host;
