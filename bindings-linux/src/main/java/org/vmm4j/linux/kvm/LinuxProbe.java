package org.vmm4j.linux.kvm;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.vmm4j.Fact;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.VmmException;
import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeLibrary;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;

/**
 * What a Linux host offers for KVM, libvirt and QEMU, found from /dev, /proc, /sys, the dynamic
 * linker and sockets. Opening /dev/kvm is not exclusive (any number of processes may), so the KVM
 * API version is asked for real.
 */
final class LinuxProbe {
    private static final Path DEV_KVM = Path.of(KvmSystem.DEVICE);
    private static final List<Path> LIBVIRT_SOCKETS = List.of(Path.of("/var/run/libvirt/libvirt-sock"),
            Path.of("/run/libvirt/libvirt-sock"), Path.of("/var/run/libvirt/virtqemud-sock"),
            Path.of("/run/libvirt/virtqemud-sock"));
    private static final List<Path> QEMU_BINARIES = List.of(Path.of("/usr/bin/qemu-system-x86_64"),
            Path.of("/usr/libexec/qemu-kvm"), Path.of("/usr/local/bin/qemu-system-x86_64"));
    private static final List<Path> OVMF = List.of(Path.of("/usr/share/OVMF/OVMF_CODE.fd"),
            Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"), Path.of("/usr/share/edk2/ovmf/OVMF_CODE.fd"),
            Path.of("/usr/share/qemu/OVMF.fd"));

    List<HypervisorInfo> probe() {
        return List.of(kvm(), libvirt(), qemu());
    }

    HypervisorInfo kvm() {
        HypervisorInfo.Builder b = HypervisorInfo.builder("kvm");
        boolean exists = Files.exists(DEV_KVM);
        b.available(Fact.of(exists));
        b.accessible(exists ? Fact.of(Files.isReadable(DEV_KVM) && Files.isWritable(DEV_KVM)) : Fact.NO);
        List<String> modules = new ArrayList<>();
        for (String m : List.of("kvm", "kvm_intel", "kvm_amd", "kvm_pvm")) {
            if (Files.isDirectory(Path.of("/sys/module", m))) {
                modules.add(m);
            }
        }
        b.kernelSupported(modules.contains("kvm") ? Fact.YES : exists ? Fact.YES : Fact.NO);
        b.enabled(Fact.of(modules.size() > 1 || exists));
        b.detail("modules", String.join(",", modules));
        Integer api = null;
        if (exists && NativeAccess.describe().matches("ffm|jna")) {
            try (KvmSystem system = KvmSystem.open()) {
                api = system.apiVersion();
            } catch (VmmException e) {
                b.detail("openError", e.getMessage());
            }
        }
        b.detail("apiVersion", api);
        Fact cpuFlags = cpuFlags();
        if (cpuFlags == Fact.YES) {
            b.cpuSupported(Fact.YES).detail("cpuSupportedBy", "vmx/svm in /proc/cpuinfo");
        } else if (api != null) {
            b.cpuSupported(Fact.YES).detail("cpuSupportedBy",
                    "KVM answers although /proc/cpuinfo lists no vmx/svm (nested or PVM-based KVM)");
        } else {
            b.cpuSupported(cpuFlags);
        }
        b.nested(nested());
        b.running(Fact.UNKNOWN);
        b.initialized(api != null ? Fact.YES : Fact.UNKNOWN);
        String kernel = read(Path.of("/proc/sys/kernel/osrelease")).map(String::strip)
                .orElse(System.getProperty("os.version"));
        b.version(kernel).detail("hostKernel", kernel);
        return b.build();
    }

    private static Fact cpuFlags() {
        Optional<String> cpuinfo = read(Path.of("/proc/cpuinfo"));
        if (cpuinfo.isEmpty()) {
            return Fact.UNKNOWN;
        }
        for (String line : cpuinfo.get().split("\n")) {
            if (line.startsWith("flags")) {
                String flags = " " + line.substring(line.indexOf(':') + 1) + " ";
                return Fact.of(flags.contains(" vmx ") || flags.contains(" svm "));
            }
        }
        return Fact.UNKNOWN;
    }

    private static Fact nested() {
        for (String m : List.of("kvm_intel", "kvm_amd")) {
            Optional<String> v = read(Path.of("/sys/module", m, "parameters", "nested"));
            if (v.isPresent()) {
                String s = v.get().trim();
                return Fact.of(s.equals("Y") || s.equals("1"));
            }
        }
        return Fact.UNKNOWN;
    }

    HypervisorInfo libvirt() {
        HypervisorInfo.Builder b = HypervisorInfo.builder("libvirt");
        try {
            NativeAccess access = NativeAccess.get();
            NativeLibrary lib = access.load("libvirt.so.0");
            b.available(Fact.YES).detail("soname", lib.name());
            var getVersion = lib.function("virGetVersion", Signature.of(CType.INT, CType.POINTER, CType.POINTER,
                    CType.POINTER));
            try (NativeMemory version = access.allocate(8)) {
                if (getVersion.call(version.address(), 0, 0) == 0) {
                    long v = version.getLong(0);
                    b.version((v / 1_000_000) + "." + (v / 1000 % 1000) + "." + (v % 1000));
                }
            }
        } catch (VmmException e) {
            b.available(Fact.NO).detail("libraryError", e.getMessage());
        }
        Path socket = null;
        for (Path p : LIBVIRT_SOCKETS) {
            if (Files.exists(p)) {
                socket = p;
                break;
            }
        }
        b.detail("socket", socket);
        b.enabled(Fact.of(socket != null));
        b.running(socket == null ? Fact.NO : Fact.of(connects(socket)));
        b.uefiFirmware(Fact.of(OVMF.stream().anyMatch(Files::exists)));
        return b.build();
    }

    private static boolean connects(Path socket) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }

    HypervisorInfo qemu() {
        HypervisorInfo.Builder b = HypervisorInfo.builder("qemu");
        Path binary = null;
        for (Path p : QEMU_BINARIES) {
            if (Files.isExecutable(p)) {
                binary = p;
                break;
            }
        }
        b.available(Fact.of(binary != null)).detail("binary", binary);
        if (binary != null) {
            b.version(qemuVersion(binary));
        }
        b.uefiFirmware(Fact.of(OVMF.stream().anyMatch(Files::exists)));
        return b.build();
    }

    private static String qemuVersion(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            Matcher m = Pattern.compile("version (\\S+)").matcher(out);
            return m.find() ? m.group(1) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Optional<String> read(Path p) {
        try {
            return Optional.of(Files.readString(p));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
