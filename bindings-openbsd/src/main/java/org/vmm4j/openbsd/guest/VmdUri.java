package org.vmm4j.openbsd.guest;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What {@code GuestManager.connect(uri)} names on OpenBSD: vmd's control socket, the vm.conf that vmd
 * reads ({@code vmd -f}), and optionally the release whose protocol the vmd at the other end speaks.
 *
 * <ul>
 *   <li>{@code null}: the host's vmd, {@code /var/run/vmd.sock} and {@code /etc/vm.conf};</li>
 *   <li>{@code vmd:///var/run/vmd.sock}: the same, spelled out; another absolute path names another
 *       socket (for example one forwarded from another host with {@code ssh -L});</li>
 *   <li>query parameters {@code config=/path/vm.conf} and {@code release=7.8} (the OpenBSD release of
 *       that vmd: its message numbering; default: this host's {@code kern.osrelease}).</li>
 * </ul>
 *
 * @param socket  vmd's control socket
 * @param config  the vm.conf guests are defined in
 * @param release the release named in the URI, if any
 */
record VmdUri(Path socket, Path config, Optional<String> release) {
    static final String SCHEME = "vmd";
    private static final Pattern RELEASE = Pattern.compile("\\d+\\.\\d+");

    /** The host's vmd: {@link VmdClient#SOCKET} and {@link VmConfFile#DEFAULT}. */
    static VmdUri host() {
        return new VmdUri(VmdClient.SOCKET, VmConfFile.DEFAULT, Optional.empty());
    }

    /**
     * @throws IllegalArgumentException for anything but {@code null} or a {@code vmd:} URI of a local
     *         socket path with known parameters
     */
    static VmdUri parse(String uri) {
        if (uri == null) {
            return host();
        }
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(notVmd(uri) + ": " + e.getMessage(), e);
        }
        if (!SCHEME.equals(u.getScheme()) || u.isOpaque()) {
            throw new IllegalArgumentException(notVmd(uri));
        }
        if (u.getRawAuthority() != null) {
            throw new IllegalArgumentException("vmd is reached through its local control socket, not a host: " + uri
                    + " (forward a remote vmd.sock with ssh -L and name the local path: vmd:///path)");
        }
        if (u.getRawFragment() != null) {
            throw new IllegalArgumentException("a vmd URI has no fragment: " + uri);
        }
        String path = u.getPath();
        Path socket = path == null || path.isEmpty() || path.equals("/") ? VmdClient.SOCKET : Path.of(path);
        Path config = VmConfFile.DEFAULT;
        Optional<String> release = Optional.empty();
        if (u.getQuery() != null) {
            for (String parameter : u.getQuery().split("&")) {
                int eq = parameter.indexOf('=');
                String key = eq < 0 ? parameter : parameter.substring(0, eq);
                String value = eq < 0 ? "" : parameter.substring(eq + 1);
                switch (key) {
                    case "config" -> {
                        VmStartRequest.requirePath("config", value);
                        config = Path.of(value);
                    }
                    case "release" -> {
                        if (!RELEASE.matcher(value).matches()) {
                            throw new IllegalArgumentException(
                                    "release must be an OpenBSD release such as 7.8: " + value);
                        }
                        release = Optional.of(value);
                    }
                    default ->
                        throw new IllegalArgumentException(
                                "unknown vmd URI parameter '" + key + "' in " + uri + " (known: config, release)");
                }
            }
        }
        return new VmdUri(socket, config, release);
    }

    private static String notVmd(String uri) {
        return "not a vmd URI: " + uri + " (OpenBSD's guest manager is vmd: give no URI for the host's vmd, or "
                + "vmd:///var/run/vmd.sock[?config=/etc/vm.conf])";
    }

    /** {@code vmd:///socket}, with {@code ?config=} when it is not {@code /etc/vm.conf}. */
    @Override
    public String toString() {
        return SCHEME + "://" + socket.toAbsolutePath()
                + (config.equals(VmConfFile.DEFAULT) ? "" : "?config=" + config.toAbsolutePath());
    }
}
