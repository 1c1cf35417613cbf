package org.vmm4j.provision;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.UserInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSch's host-key check, answered from a known_hosts file under an explicit policy. A key for a known
 * host that differs from the recorded one (even of another type) is refused; an unknown host is
 * recorded under {@link HostKeyPolicy#ACCEPT_NEW} and refused under {@link HostKeyPolicy#STRICT}. The
 * refusal is kept so the session can report it with the fingerprint instead of JSch's terse message.
 */
final class PolicyHostKeyRepository implements HostKeyRepository {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyHostKeyRepository.class);

    private final Path file;
    private final HostKeyPolicy policy;
    private final byte[] pinned;
    private volatile HostKeyException rejection;

    PolicyHostKeyRepository(Path file, HostKeyPolicy policy) {
        this(file, policy, null);
    }

    /** With {@code pinned} (a key blob) non-null, exactly that key is accepted and the file is not used. */
    PolicyHostKeyRepository(Path file, HostKeyPolicy policy, byte[] pinned) {
        this.file = file;
        this.policy = policy;
        this.pinned = pinned == null ? null : pinned.clone();
    }

    /** A repository accepting exactly the key of {@code target}'s pinned line, or applying its file and policy. */
    static PolicyHostKeyRepository forTarget(SshTarget target) {
        return new PolicyHostKeyRepository(
                target.knownHosts(),
                target.hostKeyPolicy(),
                target.pinnedHostKey().map(SshTarget::pinnedKeyBlob).orElse(null));
    }

    HostKeyException rejection() {
        return rejection;
    }

    @Override
    public int check(String host, byte[] key) {
        String type = KnownHostsFile.keyType(key);
        String fingerprint = KnownHostsFile.fingerprint(key);
        if (pinned != null) {
            if (java.security.MessageDigest.isEqual(pinned, key)) {
                return OK;
            }
            rejection = new HostKeyException(
                    HostKeyException.Reason.CHANGED,
                    host,
                    fingerprint,
                    ProvisionMessages.CATALOG.message(
                            "error.host-key-not-pinned",
                            host,
                            type + " " + fingerprint,
                            KnownHostsFile.keyType(pinned) + " " + KnownHostsFile.fingerprint(pinned)));
            return CHANGED;
        }
        List<KnownHostsFile.Entry> known =
                KnownHostsFile.read(file).stream().filter(e -> e.matches(host)).toList();
        if (known.stream().anyMatch(e -> e.keyType().equals(type) && KnownHostsFile.sameKey(e, key))) {
            return OK;
        }
        if (!known.isEmpty()) {
            rejection = new HostKeyException(
                    HostKeyException.Reason.CHANGED,
                    host,
                    fingerprint,
                    ProvisionMessages.CATALOG.message(
                            "error.host-key-changed",
                            host,
                            type + " " + fingerprint,
                            file.toString(),
                            describe(known)));
            return CHANGED;
        }
        if (policy == HostKeyPolicy.ACCEPT_NEW) {
            KnownHostsFile.append(file, host, key);
            return OK;
        }
        rejection = new HostKeyException(
                HostKeyException.Reason.UNKNOWN,
                host,
                fingerprint,
                ProvisionMessages.CATALOG.message(
                        "error.host-key-unknown", host, type + " " + fingerprint, file.toString()));
        return NOT_INCLUDED;
    }

    private static String describe(List<KnownHostsFile.Entry> known) {
        List<String> parts = new ArrayList<>();
        for (KnownHostsFile.Entry e : known) {
            parts.add(e.keyType() + " " + KnownHostsFile.fingerprint(e.key()));
        }
        return String.join(", ", parts);
    }

    @Override
    public void add(HostKey hostkey, UserInfo ui) {
        if (pinned != null) {
            return; // a pinned key is never recorded
        }
        KnownHostsFile.append(
                file, hostkey.getHost(), java.util.Base64.getDecoder().decode(hostkey.getKey()));
    }

    @Override
    public void remove(String host, String type) {
        throw new UnsupportedOperationException("vmm4j never removes known host keys; edit " + file);
    }

    @Override
    public void remove(String host, String type, byte[] key) {
        throw new UnsupportedOperationException("vmm4j never removes known host keys; edit " + file);
    }

    @Override
    public String getKnownHostsRepositoryID() {
        return file.toString();
    }

    @Override
    public HostKey[] getHostKey() {
        if (pinned != null) {
            return pinnedHostKeys(null, null);
        }
        return toHostKeys(KnownHostsFile.read(file), null);
    }

    @Override
    public HostKey[] getHostKey(String host, String type) {
        if (pinned != null) {
            return pinnedHostKeys(host, type);
        }
        return toHostKeys(
                KnownHostsFile.read(file).stream()
                        .filter(e -> host == null || e.matches(host))
                        .toList(),
                type);
    }

    private HostKey[] pinnedHostKeys(String host, String type) {
        String pinnedType = KnownHostsFile.keyType(pinned);
        if (type != null && !type.equals(pinnedType)) {
            return new HostKey[0];
        }
        try {
            return new HostKey[] {new HostKey(host == null ? "*" : host, HostKey.GUESS, pinned)};
        } catch (JSchException unsupported) {
            LOG.debug("JSch cannot use the pinned {} key", pinnedType, unsupported);
            return new HostKey[0];
        }
    }

    private static HostKey[] toHostKeys(List<KnownHostsFile.Entry> entries, String type) {
        List<HostKey> out = new ArrayList<>();
        for (KnownHostsFile.Entry e : entries) {
            if (type == null || type.equals(e.keyType())) {
                try {
                    out.add(new HostKey(e.hosts(), HostKey.GUESS, e.key()));
                } catch (JSchException unsupported) {
                    // A key type JSch does not know cannot be offered to it; the check above still sees it.
                    LOG.debug("JSch cannot use the {} key of {}", e.keyType(), e.hosts(), unsupported);
                }
            }
        }
        return out.toArray(new HostKey[0]);
    }
}
