/**
 * Base images built from packages, for hosts that cannot download cloud images:
 * {@link org.vmm4j.provision.build.BaseImageBuilder} installs a {@link org.vmm4j.provision.build.BaseImageRecipe}
 * (Debian 12 with cloud-init, OpenSSH, the QEMU guest agent and a kernel) with mmdebstrap, packs the tree
 * into an ext4 file system with mke2fs, writes it as qcow2 with vmm4j's own writer, and keeps the result,
 * with the kernel and initrd to boot it directly, in a cache keyed by the recipe's hash.
 */
package org.vmm4j.provision.build;
