package org.vmm4j.linux.guest;

/**
 * Answers libvirt's credential prompts when a connection needs them (SASL, SSH passphrases,
 * {@code qemu+tcp://} with authentication). Called on the thread that opens the connection.
 */
@FunctionalInterface
public interface LibvirtAuthenticator {

    /** libvirt's {@code virConnectCredentialType}, by value. */
    enum CredentialType {
        USERNAME,
        AUTHNAME,
        LANGUAGE,
        CNONCE,
        PASSPHRASE,
        ECHOPROMPT,
        NOECHOPROMPT,
        REALM,
        EXTERNAL;

        /** VIR_CRED_* values start at 1. */
        static CredentialType of(int value) {
            CredentialType[] all = values();
            return value >= 1 && value <= all.length ? all[value - 1] : EXTERNAL;
        }

        @SuppressWarnings("EnumOrdinal") // declared in VIR_CRED_* order, as of() reads them
        int value() {
            return ordinal() + 1;
        }
    }

    /**
     * One question libvirt asks.
     *
     * @param type          what is asked for
     * @param prompt        the text to show, or {@code null}
     * @param challenge     extra challenge text, or {@code null}
     * @param defaultResult the suggested answer, or {@code null}
     */
    record Credential(CredentialType type, String prompt, String challenge, String defaultResult) {}

    /** The answer to {@code credential}, or {@code null} to refuse (the connection then fails). */
    String answer(Credential credential);
}
