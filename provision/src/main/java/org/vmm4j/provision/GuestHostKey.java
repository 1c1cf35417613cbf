package org.vmm4j.provision;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.KeyPair;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * An SSH host key pair made for one guest, so its host key is known before it boots: the private half
 * goes into the guest's seed ({@code ssh_keys}), and the SSH steps accept exactly the public half
 * ({@link SshTarget#pinnedHostKey()}), with no trust on first use.
 *
 * <p>RSA (3072 bits), not Ed25519: JSch 0.2.21 generates Ed25519 pairs but cannot write their private
 * half ({@code KeyPairEdDSA.getPrivateKey} throws), while its RSA private key is the PEM
 * ({@code BEGIN RSA PRIVATE KEY}) that OpenSSH's sshd reads. Generating one takes about a second.
 *
 * <p>{@link #toString()} never shows the private key.
 */
public final class GuestHostKey {
    /** RSA modulus size: OpenSSH's default for {@code ssh-keygen -t rsa}. */
    static final int RSA_BITS = 3072;

    private final String privateKeyPem;
    private final String publicKeyLine;
    private final byte[] publicKeyBlob;

    private GuestHostKey(String privateKeyPem, String publicKeyLine, byte[] publicKeyBlob) {
        this.privateKeyPem = privateKeyPem;
        this.publicKeyLine = publicKeyLine;
        this.publicKeyBlob = publicKeyBlob;
    }

    /**
     * A new RSA host key pair.
     *
     * @throws SshException if JSch cannot generate one
     */
    public static GuestHostKey generate() {
        KeyPair pair;
        try {
            pair = KeyPair.genKeyPair(new JSch(), KeyPair.RSA, RSA_BITS);
        } catch (JSchException e) {
            throw new SshException("cannot generate an RSA host key: " + e.getMessage(), e);
        }
        try {
            ByteArrayOutputStream privateOut = new ByteArrayOutputStream();
            pair.writePrivateKey(privateOut);
            byte[] blob = pair.getPublicKeyBlob();
            String line =
                    KnownHostsFile.keyType(blob) + " " + Base64.getEncoder().encodeToString(blob);
            return new GuestHostKey(privateOut.toString(StandardCharsets.US_ASCII), line, blob);
        } finally {
            pair.dispose();
        }
    }

    /** The key type cloud-init's {@code ssh_keys} names it by: {@code rsa}. */
    public String cloudInitType() {
        return "rsa";
    }

    /** The private key as sshd reads it (PEM). A secret: only the seed gets it. */
    public String privateKeyPem() {
        return privateKeyPem;
    }

    /** The OpenSSH public key line, {@code ssh-rsa AAAA...}. */
    public String publicKeyLine() {
        return publicKeyLine;
    }

    /** The public key blob (RFC 4253 6.6) as the server presents it. */
    public byte[] publicKeyBlob() {
        return publicKeyBlob.clone();
    }

    /** {@code SHA256:...}, as {@code ssh-keygen -l} and cloud-init's console output print it. */
    public String fingerprint() {
        return KnownHostsFile.fingerprint(publicKeyBlob);
    }

    @Override
    public String toString() {
        return "GuestHostKey[" + KnownHostsFile.keyType(publicKeyBlob) + " " + fingerprint() + "]";
    }
}
