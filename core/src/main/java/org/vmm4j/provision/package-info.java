/** Provisioning: guest image catalog and downloads, SSH, host setup plans and disk plans for bhyve. */
package org.vmm4j.provision;
