package org.vmm4j.freebsd.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.vmm4j.VmmException;
import org.vmm4j.freebsd.abi.VmmDevHeader;
import org.vmm4j.freebsd.internal.VmmDevice;
import org.vmm4j.freebsd.internal.VmmKernel;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.CommandResult;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * TEST-ONLY stand-in for a FreeBSD host running bhyve: a {@code bhyve} shell script that records its
 * arguments and behaves as each line of {@code statuses} says, a kernel whose {@code /dev/vmm} is
 * {@code vm-NAME} marker files the script creates (so a killed script leaves a stale VM behind, as a
 * crashed bhyve does; the shell itself creates them, with a redirection rather than a forked touch(1),
 * so that a marker can never appear after the script was killed, which real bhyve cannot do either),
 * and a recording command executor for ifconfig/zfs/bhyveload with canned output
 * for read-only commands (arp) and files (dnsmasq leases). Its VMs decode the few ioctls the manager
 * issues with {@link VmmDevHeader}'s layouts, not the backend's.
 *
 * <p>Status lines: a number = exit with it at once; {@code wait} = run until SIGTERM (ACPI power button,
 * exit 1) or a VM_SUSPEND (exit how-1, as bhyve does); {@code stuck} = ignore both.
 */
final class StandInHost implements VmmKernel, CommandExecutor {
    /** vmm(4) statistics every stand-in VM reports; vCPU c's value i is 100 * (c + 1) + i. */
    static final List<String> STAT_NAMES = List.of("vcpu total runtime", "number of times hlt was intercepted");

    private static final long STAT_DESC_INDEX = VmmDevHeader.VM_STAT_DESC.offset("index");
    private static final long STAT_DESC_DESC = VmmDevHeader.VM_STAT_DESC.offset("desc");
    private static final long STATS_CPUID = VmmDevHeader.VM_STATS.offset("cpuid");
    private static final long STATS_INDEX = VmmDevHeader.VM_STATS.offset("index");
    private static final long STATS_NUM_ENTRIES = VmmDevHeader.VM_STATS.offset("num_entries");
    private static final long STATS_STATBUF = VmmDevHeader.VM_STATS.offset("statbuf");
    private static final long SUSPEND_HOW = VmmDevHeader.VM_SUSPEND.offset("how");
    final Path dir;
    final BhyveHostLayout layout;
    final List<List<String>> commands = Collections.synchronizedList(new ArrayList<>());
    /** Canned output of read-only commands (ifconfig -g tap, ifconfig tapN); others print nothing. */
    final Map<List<String>, String> outputs = new ConcurrentHashMap<>();
    /** Exit status of commands that fail (0 for the others). */
    final Map<List<String>, Integer> results = new ConcurrentHashMap<>();
    /** Canned files, served by {@link #readFile} before the real file system. */
    final Map<Path, String> files = new ConcurrentHashMap<>();

    final List<String> destroyed = Collections.synchronizedList(new ArrayList<>());
    private int nextTap = 5;

    StandInHost(Path dir) throws IOException {
        this.dir = dir;
        outputs.put(List.of("/sbin/ifconfig", "-g", "tap"), ""); // no taps unless a test says so
        Path bhyve = dir.resolve("bhyve");
        String script = """
                #!/bin/sh
                d='%s'
                echo "$*" >> "$d/args.log"
                name=$(sed -n 's/^name=//p' "$2")
                n=$(cat "$d/count" 2>/dev/null || echo 0); n=$((n+1)); echo "$n" > "$d/count"
                status=$(sed -n "${n}p" "$d/statuses")
                case "$status" in
                  wait|stuck)
                    if [ "$status" = wait ]; then trap 'echo term >> "$d/signals"; exit 1' TERM
                    else trap 'echo term-ignored >> "$d/signals"' TERM; fi
                    : > "$d/vm-$name"
                    while :; do
                      if [ "$status" = wait ] && [ -f "$d/suspend" ]; then how=$(cat "$d/suspend"); rm -f "$d/suspend"; exit $((how-1)); fi
                      sleep 0.02
                    done ;;
                  "") : > "$d/vm-$name"; exit 4 ;;
                  *) : > "$d/vm-$name"; exit "$status" ;;
                esac
                """.formatted(dir);
        Files.writeString(bhyve, script);
        Files.setPosixFilePermissions(bhyve, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path state = dir.resolve("state");
        Files.createDirectories(state);
        Path template = dir.resolve("BHYVE_UEFI_VARS.fd");
        Files.writeString(template, "uefi-vars-template");
        layout = layout(state);
    }

    /** The stand-in's layout for guests whose definitions live in {@code stateDir}. */
    BhyveHostLayout layout(Path stateDir) {
        return new BhyveHostLayout(
                stateDir,
                dir.resolve("bhyve"),
                Path.of("/usr/sbin/bhyveload"),
                Path.of("/fw/BHYVE_UEFI.fd"),
                Path.of("/fw/BHYVE_UEFI_CSM.fd"),
                dir.resolve("BHYVE_UEFI_VARS.fd"),
                Path.of("/sbin/ifconfig"));
    }

    void statuses(String... lines) throws IOException {
        Files.writeString(dir.resolve("statuses"), String.join("\n", lines) + "\n");
    }

    List<String> invocations() throws IOException {
        Path log = dir.resolve("args.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    List<String> signals() throws IOException {
        Path log = dir.resolve("signals");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    void staleVm(String name) throws IOException {
        Files.writeString(dir.resolve("vm-" + name), "");
    }

    // ---- VmmKernel: /dev/vmm as marker files ----

    @Override
    public VmmDevice create(String name) {
        throw new UnsupportedOperationException("the guest manager never creates VMs itself");
    }

    @Override
    public VmmDevice open(String name) {
        Path vm = dir.resolve("vm-" + name);
        if (!Files.exists(vm)) {
            throw new VmmException("no VM " + name);
        }
        return new VmmDevice() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int ioctl(long request, NativeMemory arg) {
                if (request == VmmDevHeader.REQ_VM_STAT_DESC) {
                    int index = arg.getInt(STAT_DESC_INDEX);
                    if (index >= STAT_NAMES.size()) {
                        return -Errno.EINVAL;
                    }
                    arg.putString(STAT_DESC_DESC, STAT_NAMES.get(index));
                    return 0;
                }
                if (request == VmmDevHeader.REQ_VM_STATS) {
                    int cpu = arg.getInt(STATS_CPUID);
                    int index = arg.getInt(STATS_INDEX);
                    int n = Math.max(0, STAT_NAMES.size() - index);
                    for (int i = 0; i < n; i++) {
                        arg.putLong(STATS_STATBUF + 8L * i, 100L * (cpu + 1) + index + i);
                    }
                    arg.putInt(STATS_NUM_ENTRIES, n);
                    return 0;
                }
                if (request != VmmDevHeader.REQ_VM_SUSPEND) {
                    return -Errno.ENOTTY;
                }
                try {
                    Files.writeString(dir.resolve("suspend.tmp"), Integer.toString(arg.getInt(SUSPEND_HOW)));
                    Files.move(dir.resolve("suspend.tmp"), dir.resolve("suspend"));
                    Files.writeString(
                            dir.resolve("suspend-log"),
                            arg.getInt(SUSPEND_HOW) + "\n",
                            java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND);
                } catch (IOException e) {
                    return -Errno.EIO;
                }
                return 0;
            }

            @Override
            public NativeMemory mapMemory(int segid, long gpa, long size, boolean readOnly) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void destroy() {
                try {
                    Files.deleteIfExists(vm);
                } catch (IOException e) {
                    throw new VmmException(e.getMessage(), e);
                }
                destroyed.add(name);
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public List<String> list() {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("vm-"))
                    .forEach(n -> names.add(n.substring(3)));
        } catch (IOException e) {
            throw new VmmException(e.getMessage(), e);
        }
        return names;
    }

    List<String> suspends() throws IOException {
        Path log = dir.resolve("suspend-log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    // ---- CommandExecutor: records ifconfig, zfs, bhyveload ----

    @Override
    public synchronized CommandResult run(List<String> command) {
        if (results.containsKey(command)) {
            return new CommandResult(command, results.get(command), "", "failed as the test said");
        }
        if (outputs.containsKey(command)) {
            return new CommandResult(command, 0, outputs.get(command), "");
        }
        commands.add(List.copyOf(command));
        if (command.equals(List.of("/sbin/ifconfig", "tap", "create"))) {
            return new CommandResult(command, 0, "tap" + nextTap++ + "\n", "");
        }
        return new CommandResult(command, 0, "", "");
    }

    @Override
    public Optional<String> readFile(Path file) {
        if (files.containsKey(file)) {
            return Optional.of(files.get(file));
        }
        if (!file.startsWith(dir)) {
            return Optional.empty(); // the stand-in host has no files of its own outside its directory
        }
        try {
            return Files.exists(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            throw new VmmException(e.getMessage(), e);
        }
    }

    @Override
    public void writeFile(Path file, String content) {
        GuestDefinitionStore.writeAtomically(file, content);
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }
}
