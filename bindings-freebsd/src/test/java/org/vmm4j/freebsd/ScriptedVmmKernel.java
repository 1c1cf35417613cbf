package org.vmm4j.freebsd;

import static org.vmm4j.freebsd.abi.VmmDevHeader.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.vmm4j.Hypervisor;
import org.vmm4j.VmmException;
import org.vmm4j.freebsd.guest.BhyveHostLayout;
import org.vmm4j.freebsd.internal.BhyveHost;
import org.vmm4j.freebsd.internal.VmmDevice;
import org.vmm4j.freebsd.internal.VmmKernel;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.RecordedHostFacts;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * TEST-ONLY double of the kernel side of vmm(4). It decodes the ioctl arguments the backend builds with
 * its own reading of vmm_dev.h ({@link org.vmm4j.freebsd.abi.VmmDevHeader}, never the backend's
 * {@code VmmDev}), so a wrong offset or request number fails a test; keeps registers per vCPU, and
 * answers VM_RUN from a script of exits. A "spin" step models a guest that never exits: VM_RUN blocks
 * until VM_SUSPEND_CPU for that vCPU arrives and then returns VM_EXITCODE_DEBUG, as vmm.ko does.
 */
final class ScriptedVmmKernel implements VmmKernel {
    static final int EXIT_INOUT = exitcode("INOUT");
    static final int EXIT_HLT = exitcode("HLT");
    static final int EXIT_SUSPENDED = exitcode("SUSPENDED");
    static final int EXIT_INOUT_STR = exitcode("INOUT_STR");
    static final int EXIT_DEBUG = exitcode("DEBUG");
    static final int REG_LAST = register("LAST");
    static final int CAP_MAX = capability("MAX");
    private static final int PAGING_64 = pagingMode("64");

    private static final long RUN_CPUID = VM_RUN.offset("cpuid");
    private static final long RUN_CPUSET = VM_RUN.offset("cpuset");
    private static final long RUN_CPUSETSIZE = VM_RUN.offset("cpusetsize");
    private static final long RUN_VM_EXIT = VM_RUN.offset("vm_exit");
    static final long EXIT_SIZE = VM_EXIT.size();
    static final long EXIT_EXITCODE = VM_EXIT.offset("exitcode");
    static final long EXIT_RIP = VM_EXIT.offset("rip");
    static final long EXIT_INOUT_BITS = VM_EXIT.offset("u.inout.bits");
    static final long EXIT_INOUT_PORT = VM_EXIT.offset("u.inout.port");
    static final long EXIT_INOUT_EAX = VM_EXIT.offset("u.inout.eax");
    static final long EXIT_INOUT_STR_CPU_MODE = VM_EXIT.offset("u.inout_str.paging.cpu_mode");
    static final long EXIT_INOUT_STR_PAGING_MODE = VM_EXIT.offset("u.inout_str.paging.paging_mode");
    static final long EXIT_INOUT_STR_INDEX = VM_EXIT.offset("u.inout_str.index");
    static final long EXIT_INOUT_STR_COUNT = VM_EXIT.offset("u.inout_str.count");
    static final long EXIT_INOUT_STR_ADDRSIZE = VM_EXIT.offset("u.inout_str.addrsize");
    static final long EXIT_INOUT_STR_SEG_NAME = VM_EXIT.offset("u.inout_str.seg_name");
    static final long EXIT_SUSPENDED_HOW = VM_EXIT.offset("u.suspended.how");
    private static final long ACTIVATE_VCPUID = VM_ACTIVATE_CPU.offset("vcpuid");
    private static final long CAP_CPUID = VM_CAPABILITY.offset("cpuid");
    private static final long CAP_CAPTYPE = VM_CAPABILITY.offset("captype");
    private static final long CAP_CAPVAL = VM_CAPABILITY.offset("capval");
    private static final long REG_CPUID = VM_REGISTER.offset("cpuid");
    private static final long REG_REGNUM = VM_REGISTER.offset("regnum");
    private static final long REG_REGVAL = VM_REGISTER.offset("regval");
    private static final long SET_CPUID = VM_REGISTER_SET.offset("cpuid");
    private static final long SET_COUNT = VM_REGISTER_SET.offset("count");
    private static final long SET_REGNUMS = VM_REGISTER_SET.offset("regnums");
    private static final long SET_REGVALS = VM_REGISTER_SET.offset("regvals");
    private static final long SEG_CPUID = VM_SEG_DESC.offset("cpuid");
    private static final long SEG_REGNUM = VM_SEG_DESC.offset("regnum");
    private static final long SEG_BASE = VM_SEG_DESC.offset("desc.base");
    private static final long SEG_LIMIT = VM_SEG_DESC.offset("desc.limit");
    private static final long SEG_ACCESS = VM_SEG_DESC.offset("desc.access");
    private static final long TOPOLOGY_MAXCPUS = VM_CPU_TOPOLOGY.offset("maxcpus");
    private static final long SUSPEND_HOW = VM_SUSPEND.offset("how");
    private static final long STAT_DESC_INDEX = VM_STAT_DESC.offset("index");
    private static final long STAT_DESC_DESC = VM_STAT_DESC.offset("desc");
    private static final long STATS_INDEX = VM_STATS.offset("index");
    private static final long STATS_NUM_ENTRIES = VM_STATS.offset("num_entries");
    private static final long STATS_TV_SEC = VM_STATS.offset("tv.tv_sec");
    private static final long STATS_TV_USEC = VM_STATS.offset("tv.tv_usec");
    private static final long STATS_STATBUF = VM_STATS.offset("statbuf");
    private static final long GLA2GPA_GLA = VM_GLA2GPA.offset("gla");
    private static final long GLA2GPA_PAGING_MODE = VM_GLA2GPA.offset("paging.paging_mode");
    private static final long GLA2GPA_FAULT = VM_GLA2GPA.offset("fault");
    private static final long GLA2GPA_GPA = VM_GLA2GPA.offset("gpa");
    private static final long MUNMAP_GPA = VM_MUNMAP.offset("gpa");
    private static final long MUNMAP_LEN = VM_MUNMAP.offset("len");

    final Map<String, Device> vms = new LinkedHashMap<>();
    final List<String> destroyed = new ArrayList<>();
    final Set<String> preexisting = new HashSet<>();

    /**
     * {@code Hypervisor.open("bhyve")}, the public entry point, with this double installed as the kernel
     * of a FreeBSD 14.1 host; the hypervisor keeps using it after the installation ends.
     */
    Hypervisor openThroughProvider() {
        RecordedHostFacts facts = new RecordedHostFacts().sysctl("kern.osreldate", "1401000");
        BhyveHost.Installation installed = BhyveHost.install(
                new BhyveHost(true, facts, () -> this, CommandExecutor.system(), BhyveHostLayout::standard));
        try {
            return Hypervisor.open(BhyveHypervisor.KIND);
        } finally {
            installed.close();
        }
    }

    @Override
    public synchronized VmmDevice create(String name) {
        if (vms.containsKey(name) || preexisting.contains(name)) {
            throw Errno.exception("vm_create(" + name + ")", Errno.EEXIST);
        }
        Device d = new Device(name);
        vms.put(name, d);
        return d;
    }

    @Override
    public synchronized VmmDevice open(String name) {
        Device d = vms.get(name);
        if (d == null) {
            throw new VmmException("no VM " + name);
        }
        return d;
    }

    @Override
    public synchronized List<String> list() {
        return new ArrayList<>(vms.keySet());
    }

    /** One scripted answer to VM_RUN: fills the vm_exit record and returns 0 or -errno. */
    interface Step {
        int run(NativeMemory exit);
    }

    static Step exit(int exitcode, long rip, Consumer<NativeMemory> fill) {
        return e -> {
            e.clear();
            e.putInt(EXIT_EXITCODE, exitcode);
            e.putLong(EXIT_RIP, rip);
            fill.accept(e);
            return 0;
        };
    }

    static Step out(int port, int size, long value) {
        return exit(EXIT_INOUT, 0x1000, e -> {
            e.putShort(EXIT_INOUT_BITS, (short) (size << INOUT_BYTES_SHIFT));
            e.putShort(EXIT_INOUT_PORT, (short) port);
            e.putInt(EXIT_INOUT_EAX, (int) value);
        });
    }

    static Step in(int port, int size, long eax) {
        return exit(EXIT_INOUT, 0x1000, e -> {
            e.putShort(EXIT_INOUT_BITS, (short) ((size << INOUT_BYTES_SHIFT) | (1 << INOUT_IN_SHIFT)));
            e.putShort(EXIT_INOUT_PORT, (short) port);
            e.putInt(EXIT_INOUT_EAX, (int) eax);
        });
    }

    /** {@code rep outsb} of {@code count} bytes at DS:RSI = {@code rsi} in 64-bit paged mode. */
    static Step repOutsb64(int port, long rsi, int count) {
        return exit(EXIT_INOUT_STR, 0x1000, e -> {
            e.putShort(EXIT_INOUT_BITS, (short)
                    ((1 << INOUT_BYTES_SHIFT) | (1 << INOUT_STRING_SHIFT) | (1 << INOUT_REP_SHIFT)));
            e.putShort(EXIT_INOUT_PORT, (short) port);
            e.putInt(EXIT_INOUT_STR_CPU_MODE, cpuMode("64BIT"));
            e.putInt(EXIT_INOUT_STR_PAGING_MODE, PAGING_64);
            e.putLong(EXIT_INOUT_STR_INDEX, rsi);
            e.putLong(EXIT_INOUT_STR_COUNT, count);
            e.putInt(EXIT_INOUT_STR_ADDRSIZE, 8);
            e.putInt(EXIT_INOUT_STR_SEG_NAME, register("DS"));
        });
    }

    static Step hlt() {
        return exit(EXIT_HLT, 0x1010, e -> {});
    }

    static Step error(int errno) {
        return e -> -errno;
    }

    /** The guest spins: VM_RUN returns only when the vCPU is suspended (VM_SUSPEND_CPU). */
    static final Step SPIN = e -> {
        throw new AssertionError("SPIN is handled by the device");
    };

    static final class Device implements VmmDevice {
        final String name;
        final Deque<Step> script = new ArrayDeque<>();
        /** Requests in call order; a plain array so that logging allocates nothing. */
        private final long[] calls = new long[1 << 20];

        private int callCount;
        final Map<Integer, long[]> regs = new HashMap<>();
        final Map<Integer, long[]> descs = new HashMap<>();
        final Map<Integer, int[]> caps = new HashMap<>();
        final Set<Integer> active = new HashSet<>();
        final Set<Integer> debugCpus = new HashSet<>();
        /** SPIN steps a VM_RUN has taken (the guest is "running" once this counts it). */
        private int spinsStarted;

        final List<long[]> mappings = new ArrayList<>(); // {segid, gpa, size, readOnly}
        final List<NativeMemory> memories = new ArrayList<>();
        List<String> statNames = List.of("vm exits", "io exits", "hlt exits");
        long[] statValues = {10, 4, 2};
        int maxCpus = 4;
        int suspendedHow = -1;
        boolean destroyed;
        boolean closed;

        Device(String name) {
            this.name = name;
        }

        long[] regs(int cpu) {
            return regs.computeIfAbsent(cpu, c -> new long[REG_LAST]);
        }

        /** How many SPIN steps a VM_RUN has taken so far. */
        synchronized int spinsStarted() {
            return spinsStarted;
        }

        synchronized int count(long request) {
            if (callCount > calls.length) {
                throw new AssertionError("call log overflowed after " + callCount + " ioctls");
            }
            int c = 0;
            for (int i = 0; i < Math.min(callCount, calls.length); i++) {
                c += calls[i] == request ? 1 : 0;
            }
            return c;
        }

        private synchronized void log(long request) {
            calls[callCount++ & (calls.length - 1)] = request;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int ioctl(long request, NativeMemory arg) {
            if (closed) {
                return -Errno.EBADF;
            }
            log(request);
            if (request == REQ_VM_RUN) {
                return run(arg);
            }
            synchronized (this) {
                if (request == REQ_VM_ACTIVATE_CPU) {
                    active.add(arg.getInt(ACTIVATE_VCPUID));
                } else if (request == REQ_VM_SUSPEND_CPU) {
                    debugCpus.add(arg.getInt(ACTIVATE_VCPUID));
                    notifyAll();
                } else if (request == REQ_VM_RESUME_CPU) {
                    debugCpus.remove(arg.getInt(ACTIVATE_VCPUID));
                } else if (request == REQ_VM_SET_CAPABILITY) {
                    int cap = arg.getInt(CAP_CAPTYPE);
                    if (cap < 0 || cap >= CAP_MAX) {
                        return -Errno.EINVAL;
                    }
                    caps.computeIfAbsent(arg.getInt(CAP_CPUID), c -> new int[CAP_MAX])[cap] = arg.getInt(CAP_CAPVAL);
                } else if (request == REQ_VM_GET_CAPABILITY) {
                    int cap = arg.getInt(CAP_CAPTYPE);
                    arg.putInt(CAP_CAPVAL, caps.computeIfAbsent(arg.getInt(CAP_CPUID), c -> new int[CAP_MAX])[cap]);
                } else if (request == REQ_VM_GET_REGISTER) {
                    arg.putLong(REG_REGVAL, regs(arg.getInt(REG_CPUID))[arg.getInt(REG_REGNUM)]);
                } else if (request == REQ_VM_SET_REGISTER) {
                    regs(arg.getInt(REG_CPUID))[arg.getInt(REG_REGNUM)] = arg.getLong(REG_REGVAL);
                } else if (request == REQ_VM_GET_REGISTER_SET || request == REQ_VM_SET_REGISTER_SET) {
                    int count = arg.getInt(SET_COUNT);
                    if (count > REG_LAST) {
                        return -Errno.EINVAL;
                    }
                    NativeMemory nums = NativeAccess.get().view(arg.getLong(SET_REGNUMS), 4L * count);
                    NativeMemory vals = NativeAccess.get().view(arg.getLong(SET_REGVALS), 8L * count);
                    long[] r = regs(arg.getInt(SET_CPUID));
                    for (int i = 0; i < count; i++) {
                        if (request == REQ_VM_GET_REGISTER_SET) {
                            vals.putLong(8L * i, r[nums.getInt(4L * i)]);
                        } else {
                            r[nums.getInt(4L * i)] = vals.getLong(8L * i);
                        }
                    }
                } else if (request == REQ_VM_GET_SEGMENT_DESCRIPTOR) {
                    long[] d = descs.getOrDefault(arg.getInt(SEG_CPUID) * 100 + arg.getInt(SEG_REGNUM), new long[3]);
                    arg.putLong(SEG_BASE, d[0]);
                    arg.putInt(SEG_LIMIT, (int) d[1]);
                    arg.putInt(SEG_ACCESS, (int) d[2]);
                } else if (request == REQ_VM_SET_SEGMENT_DESCRIPTOR) {
                    descs.put(
                            arg.getInt(SEG_CPUID) * 100 + arg.getInt(SEG_REGNUM),
                            new long[] {arg.getLong(SEG_BASE), arg.getInt(SEG_LIMIT), arg.getInt(SEG_ACCESS)});
                } else if (request == REQ_VM_GET_TOPOLOGY) {
                    arg.putShort(TOPOLOGY_MAXCPUS, (short) maxCpus);
                } else if (request == REQ_VM_SUSPEND) {
                    suspendedHow = arg.getInt(SUSPEND_HOW);
                } else if (request == REQ_VM_STAT_DESC) {
                    int index = arg.getInt(STAT_DESC_INDEX);
                    if (index < 0 || index >= statNames.size()) {
                        return -Errno.EINVAL;
                    }
                    arg.putString(STAT_DESC_DESC, statNames.get(index));
                } else if (request == REQ_VM_STATS) {
                    int index = arg.getInt(STATS_INDEX);
                    int n = Math.max(0, Math.min(MAX_VM_STATS, statValues.length - index));
                    for (int i = 0; i < n; i++) {
                        arg.putLong(STATS_STATBUF + 8L * i, statValues[index + i]);
                    }
                    arg.putInt(STATS_NUM_ENTRIES, n);
                    arg.putLong(STATS_TV_SEC, 1_700_000_000L);
                    arg.putLong(STATS_TV_USEC, 5);
                } else if (request == REQ_VM_GLA2GPA_NOFAULT) {
                    // The guest maps its higher half at 0xffff800000000000 onto physical 0; nothing else.
                    long gla = arg.getLong(GLA2GPA_GLA);
                    boolean mapped = gla >= 0xffff800000000000L
                            && gla < 0xffff800000100000L
                            && arg.getInt(GLA2GPA_PAGING_MODE) == PAGING_64;
                    arg.putInt(GLA2GPA_FAULT, mapped ? 0 : 1);
                    arg.putLong(GLA2GPA_GPA, mapped ? gla - 0xffff800000000000L : 0);
                } else if (request == REQ_VM_MUNMAP_MEMSEG) {
                    long gpa = arg.getLong(MUNMAP_GPA);
                    if (!mappings.removeIf(m -> m[1] == gpa && m[2] == arg.getLong(MUNMAP_LEN))) {
                        return -Errno.EINVAL;
                    }
                } else {
                    return -Errno.ENOTTY;
                }
                return 0;
            }
        }

        @SuppressWarnings("ReferenceEquality") // SPIN is a sentinel step, recognised by identity
        private int run(NativeMemory arg) {
            int cpu = arg.getInt(RUN_CPUID);
            NativeMemory exit = NativeAccess.get().view(arg.getLong(RUN_VM_EXIT), EXIT_SIZE);
            if (arg.getLong(RUN_CPUSETSIZE) <= 0 || arg.getLong(RUN_CPUSET) == 0) {
                return -Errno.EFAULT;
            }
            Step step;
            synchronized (this) {
                if (!active.contains(cpu)) {
                    return -Errno.EINVAL;
                }
                if (debugCpus.contains(cpu)) {
                    return debugExit(exit);
                }
                step = script.poll();
                if (step == null) {
                    throw new AssertionError("VM_RUN of vCPU " + cpu + " after the script ended");
                }
                if (step == SPIN) {
                    spinsStarted++;
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (!debugCpus.contains(cpu)) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            throw new AssertionError("spinning guest was never stopped");
                        }
                        try {
                            wait(left / 1_000_000 + 1);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return -Errno.EINTR;
                        }
                    }
                    return debugExit(exit);
                }
            }
            return step.run(exit);
        }

        private static int debugExit(NativeMemory exit) {
            exit.clear();
            exit.putInt(EXIT_EXITCODE, EXIT_DEBUG);
            return 0;
        }

        @Override
        public synchronized NativeMemory mapMemory(int segid, long gpa, long size, boolean readOnly) {
            for (long[] m : mappings) {
                if (m[0] == segid) {
                    return fail("segment " + segid + " allocated twice");
                }
            }
            mappings.add(new long[] {segid, gpa, size, readOnly ? 1 : 0});
            NativeMemory memory = NativeAccess.get().allocate(size);
            memories.add(memory);
            return memory;
        }

        private static NativeMemory fail(String message) {
            throw new AssertionError(message);
        }

        @Override
        public synchronized void destroy() {
            destroyed = true;
            close();
        }

        @Override
        public synchronized void close() {
            closed = true;
            memories.forEach(NativeMemory::close);
        }
    }
}
