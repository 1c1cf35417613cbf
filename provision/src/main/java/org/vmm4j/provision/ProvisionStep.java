package org.vmm4j.provision;

/**
 * The steps of {@link GuestProvisioner#provision(ProvisionRequest)}, in order, each with the hint a
 * failure of it carries for the common causes.
 */
public enum ProvisionStep {
    VALIDATE("validate request", "fix the request; nothing was created"),
    CHECK_NAME(
            "check name is free",
            "choose another name, or remove the existing guest (and its leftover disk "
                    + "and seed files in the work directory) first"),
    FETCH_IMAGE(
            "fetch image",
            "check the URL is reachable from this host; a checksum mismatch means a corrupt "
                    + "download or a stale published checksum (run again: the bad file was discarded); an interrupted "
                    + "download resumes on the next run"),
    CREATE_DISK(
            "create disk",
            "check the work directory is writable, has space, and the disk size is not " + "smaller than the image"),
    CREATE_SEED("create seed", "check the work directory is writable and the user name and SSH keys are valid"),
    DEFINE_GUEST(
            "define guest",
            "check the hypervisor connection, the network name (virsh net-list --all) and "
                    + "that the memory and vCPU count are allowed"),
    START_GUEST(
            "start guest",
            "check the network is active (virsh net-start NAME), the hypervisor can read the "
                    + "disk and seed (permissions, AppArmor/SELinux labels) and the host has enough free memory"),
    WAIT_FOR_IP(
            "wait for IP",
            "no DHCP lease: check the network is active and serves DHCP, the image runs "
                    + "cloud-init with DHCP on its first NIC, and watch the boot on the serial console "
                    + "(virsh console NAME); a bridged guest shows up only through the guest agent or ARP"),
    WAIT_FOR_SSH(
            "wait for SSH",
            "SSH refused or silent: the guest may still be booting or running cloud-init, "
                    + "sshd may not be installed or enabled, or a firewall blocks the port; see the serial console. "
                    + "A host key that is not the pinned one means the guest ignored its seed (no cloud-init, or "
                    + "the seed not attached) or another machine answers at the address"),
    RUN_COMMANDS(
            "run commands",
            "check the user and key or password in the seed match the credentials used to "
                    + "connect, and that the commands work on this distribution"),
    INSTALL_AGENT(
            "install agent",
            "an agent install command failed: check the commands suit this distribution and release, the "
                    + "guest reaches its package repositories (DNS, NAT) and the user may use sudo"),
    CONFIGURE_AGENT(
            "configure agent",
            "check the configuration path is writable by root in the guest and that base64 and install "
                    + "(coreutils) are there"),
    START_AGENT(
            "start agent",
            "the agent's service did not become active: check the unit name, and read "
                    + "'journalctl -u SERVICE' and 'systemctl status SERVICE' in the guest (a wrong server URL or "
                    + "configuration often stops an agent at once); systemctl over SSH needs dbus in the guest"),
    REPORT("report", "");

    private final String label;
    private final String hint;

    ProvisionStep(String label, String hint) {
        this.label = label;
        this.hint = hint;
    }

    /** For people: "wait for IP". */
    public String label() {
        return label;
    }

    /** What to check when this step fails. */
    public String hint() {
        return hint;
    }

    /** The step's position, from 1, as {@link org.vmm4j.host.Progress#index()} gives it. */
    @SuppressWarnings("EnumOrdinal") // the steps are declared in the order they run
    public int number() {
        return ordinal() + 1;
    }

    public static int count() {
        return values().length;
    }
}
