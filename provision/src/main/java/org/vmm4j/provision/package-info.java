/**
 * Provisioning: guest image catalog and downloads, SSH, and
 * {@link org.vmm4j.provision.GuestProvisioner}, the create-a-guest workflow (image, overlay disk,
 * cloud-init seed, define and start, wait for IP and SSH, run commands) with progress and rollback.
 */
package org.vmm4j.provision;
