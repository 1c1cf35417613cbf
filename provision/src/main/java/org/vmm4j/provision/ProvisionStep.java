package org.vmm4j.provision;

import org.vmm4j.text.Message;

/**
 * The steps of {@link GuestProvisioner#provision(ProvisionRequest)}, in order, each with the hint a
 * failure of it carries for the common causes; both texts come from {@link ProvisionMessages}.
 */
public enum ProvisionStep {
    VALIDATE("validate"),
    CHECK_NAME("check-name"),
    FETCH_IMAGE("fetch-image"),
    CREATE_DISK("create-disk"),
    CREATE_SEED("create-seed"),
    DEFINE_GUEST("define-guest"),
    START_GUEST("start-guest"),
    WAIT_FOR_IP("wait-for-ip"),
    WAIT_FOR_SSH("wait-for-ssh"),
    RUN_COMMANDS("run-commands"),
    INSTALL_AGENT("install-agent"),
    CONFIGURE_AGENT("configure-agent"),
    START_AGENT("start-agent"),
    REPORT("report");

    private final String key;

    ProvisionStep(String key) {
        this.key = key;
    }

    /** For people, in English: "wait for IP". */
    public String label() {
        return labelMessage().english();
    }

    /** What to check when this step fails, in English. */
    public String hint() {
        return hintMessage().english();
    }

    /** The step's name as a message ({@code step.wait-for-ip}), for an application's own locale. */
    public Message labelMessage() {
        return ProvisionMessages.CATALOG.message("step." + key);
    }

    /** What to check when this step fails, as a message ({@code step.wait-for-ip.hint}). */
    public Message hintMessage() {
        return ProvisionMessages.CATALOG.message("step." + key + ".hint");
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
