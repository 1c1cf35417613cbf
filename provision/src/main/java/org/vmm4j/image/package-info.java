/** Guest disk images (raw, qcow2) and the cloud-init NoCloud seed ISO, written in pure Java. */
package org.vmm4j.image;
