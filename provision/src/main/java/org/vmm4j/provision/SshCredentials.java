package org.vmm4j.provision;

import java.nio.file.Path;
import java.util.Objects;

/** How to authenticate: a password or a private key file. Never printed: {@code toString} redacts secrets. */
public sealed interface SshCredentials {
    static SshCredentials password(char[] password) {
        return new Password(password.clone());
    }

    static SshCredentials privateKey(Path keyFile) {
        return new PrivateKey(keyFile, null);
    }

    static SshCredentials privateKey(Path keyFile, char[] passphrase) {
        return new PrivateKey(keyFile, passphrase == null ? null : passphrase.clone());
    }

    /** Password authentication. */
    final class Password implements SshCredentials {
        private final char[] password;

        private Password(char[] password) {
            if (password.length == 0) {
                throw new IllegalArgumentException("SSH password is empty");
            }
            this.password = password;
        }

        char[] secret() {
            return password;
        }

        @Override
        public String toString() {
            return "Password[redacted]";
        }
    }

    /** Public-key authentication with an OpenSSH or PEM private key file. */
    final class PrivateKey implements SshCredentials {
        private final Path keyFile;
        private final char[] passphrase;

        private PrivateKey(Path keyFile, char[] passphrase) {
            this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
            this.passphrase = passphrase;
        }

        public Path keyFile() {
            return keyFile;
        }

        char[] passphrase() {
            return passphrase;
        }

        @Override
        public String toString() {
            return "PrivateKey[" + keyFile + (passphrase == null ? "" : ", passphrase redacted") + "]";
        }
    }
}
