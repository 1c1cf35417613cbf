package org.vmm4j.testsupport;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One thing a test needs from outside the JVM: a host program, a file, a usable /dev/kvm, or a running
 * libvirtd. Checked against an environment passed in (its {@code PATH} finds programs), so the decision
 * can be tested without touching the real one.
 */
public final class HostRequirement {
    /** Where root-only programs live when a user's PATH leaves them out (Debian's default for non-root). */
    private static final List<String> SBIN = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

    static final Path KVM_DEVICE = Path.of("/dev/kvm");
    /** The sockets a libvirt client tries for qemu:///system: the monolithic daemon's, then virtqemud's. */
    static final List<Path> LIBVIRT_SOCKETS =
            List.of(Path.of("/run/libvirt/libvirt-sock"), Path.of("/run/libvirt/virtqemud-sock"));

    private final String name;
    private final RequirementKind kind;
    private final Function<Map<String, String>, Optional<String>> problem;

    private HostRequirement(
            String name, RequirementKind kind, Function<Map<String, String>, Optional<String>> problem) {
        this.name = name;
        this.kind = kind;
        this.problem = problem;
    }

    /** A program found on {@code PATH} (or in an sbin directory), installed by the apt package listed for it. */
    public static HostRequirement tool(String program) {
        String remedy = "apt package " + AptPackages.forProgram(program);
        return new HostRequirement(
                program,
                RequirementKind.TOOLS,
                env -> findProgram(program, env).isPresent() ? Optional.empty() : Optional.of(remedy));
    }

    /** A readable file or directory (a {@code *} in its last component matches any name), from the remedy listed for it. */
    public static HostRequirement file(String file) {
        String remedy = AptPackages.forFile(file);
        return new HostRequirement(
                file,
                RequirementKind.TOOLS,
                env -> findFile(file).isPresent() ? Optional.empty() : Optional.of(remedy));
    }

    /** /dev/kvm, readable and writable by this process. */
    public static HostRequirement kvm() {
        return new HostRequirement(KVM_DEVICE.toString(), RequirementKind.KVM, env -> kvmProblem(KVM_DEVICE));
    }

    /** A libvirtd (or virtqemud) accepting connections on the socket that {@code qemu:///system} uses. */
    public static HostRequirement libvirtd() {
        return new HostRequirement(
                "a running libvirtd at qemu:///system",
                RequirementKind.LIBVIRTD,
                env -> libvirtdProblem(LIBVIRT_SOCKETS));
    }

    /** A requirement with its own check, for the extension's tests: {@code problem} is empty when it is met. */
    static HostRequirement of(
            String name, RequirementKind kind, Function<Map<String, String>, Optional<String>> problem) {
        return new HostRequirement(name, kind, problem);
    }

    public String name() {
        return name;
    }

    public RequirementKind kind() {
        return kind;
    }

    /** Empty when met in {@code environment}; else the name with what to do about it in parentheses. */
    public Optional<String> missing(Map<String, String> environment) {
        return problem.apply(environment).map(p -> name + " (" + p + ")");
    }

    @Override
    public String toString() {
        return name;
    }

    static Optional<Path> findProgram(String program, Map<String, String> environment) {
        List<String> dirs =
                new ArrayList<>(List.of(environment.getOrDefault("PATH", "").split(":")));
        dirs.addAll(SBIN);
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The first readable match, in name order, of {@code pattern}; only its last component may hold a {@code *}. */
    static Optional<Path> findFile(String pattern) {
        Path path = Path.of(pattern);
        String last = path.getFileName().toString();
        if (!last.contains("*")) {
            return isReadableFileOrDirectory(path) ? Optional.of(path) : Optional.empty();
        }
        List<Path> matches = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(path.getParent(), last)) {
            for (Path p : found) {
                if (isReadableFileOrDirectory(p)) {
                    matches.add(p);
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return matches.stream().sorted().findFirst();
    }

    /** A device node or a pipe where a file was expected is not it (and cannot be loaded, run or compiled against). */
    private static boolean isReadableFileOrDirectory(Path path) {
        return (Files.isRegularFile(path) || Files.isDirectory(path)) && Files.isReadable(path);
    }

    static Optional<String> kvmProblem(Path device) {
        if (!Files.exists(device)) {
            return Optional.of("does not exist: the host needs hardware virtualization and the kvm module");
        }
        if (!Files.isReadable(device) || !Files.isWritable(device)) {
            return Optional.of("not readable and writable by this user: add it to group kvm");
        }
        return Optional.empty();
    }

    static Optional<String> libvirtdProblem(List<Path> sockets) {
        StringBuilder tried = new StringBuilder();
        for (Path socket : sockets) {
            if (!Files.exists(socket)) {
                continue;
            }
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(socket));
                return Optional.empty();
            } catch (IOException e) {
                tried.append(socket).append(": ").append(e.getMessage()).append("; ");
            }
        }
        String why = tried.length() == 0 ? "no daemon socket " + sockets : tried.substring(0, tried.length() - 2);
        return Optional.of(why + "; apt package libvirt-daemon-system, started by .ci/test");
    }
}
