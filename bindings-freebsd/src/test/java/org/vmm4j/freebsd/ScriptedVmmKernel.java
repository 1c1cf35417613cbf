package org.vmm4j.freebsd;

import static org.vmm4j.freebsd.abi.Vmm.*;
import static org.vmm4j.freebsd.abi.VmmDev.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.vmm4j.freebsd.abi.VmmDev;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * TEST-ONLY double of the kernel side of vmm(4). It decodes the ioctl arguments the backend builds
 * (so a wrong offset fails a test), keeps registers per vCPU, and answers VM_RUN from a script of
 * exits. A "spin" step models a guest that never exits: VM_RUN blocks until VM_SUSPEND_CPU for that
 * vCPU arrives and then returns VM_EXITCODE_DEBUG, as vmm.ko does.
 */
final class ScriptedVmmKernel implements VmmKernel {
    final Map<String, Device> vms = new LinkedHashMap<>();
    final List<String> destroyed = new ArrayList<>();
    final Set<String> preexisting = new HashSet<>();

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
            throw new org.vmm4j.VmmException("no VM " + name);
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

    static Step exit(int exitcode, long rip, java.util.function.Consumer<NativeMemory> fill) {
        return e -> {
            e.clear();
            e.putInt(VM_EXIT_EXITCODE, exitcode);
            e.putLong(VM_EXIT_RIP, rip);
            fill.accept(e);
            return 0;
        };
    }

    static Step out(int port, int size, long value) {
        return exit(VM_EXITCODE_INOUT, 0x1000, e -> {
            e.putShort(VM_EXIT_INOUT_BITS, (short) (size << VM_INOUT_BYTES_SHIFT));
            e.putShort(VM_EXIT_INOUT_PORT, (short) port);
            e.putInt(VM_EXIT_INOUT_EAX, (int) value);
        });
    }

    static Step in(int port, int size, long eax) {
        return exit(VM_EXITCODE_INOUT, 0x1000, e -> {
            e.putShort(VM_EXIT_INOUT_BITS, (short) ((size << VM_INOUT_BYTES_SHIFT) | (1 << VM_INOUT_IN_SHIFT)));
            e.putShort(VM_EXIT_INOUT_PORT, (short) port);
            e.putInt(VM_EXIT_INOUT_EAX, (int) eax);
        });
    }

    /** {@code rep outsb} of {@code count} bytes at DS:RSI = {@code rsi} in 64-bit paged mode. */
    static Step repOutsb64(int port, long rsi, int count) {
        return exit(VM_EXITCODE_INOUT_STR, 0x1000, e -> {
            e.putShort(VM_EXIT_INOUT_BITS, (short) ((1 << VM_INOUT_BYTES_SHIFT) | (1 << VM_INOUT_STRING_SHIFT)
                    | (1 << VM_INOUT_REP_SHIFT)));
            e.putShort(VM_EXIT_INOUT_PORT, (short) port);
            e.putInt(VM_EXIT_INOUT_STR_PAGING + VM_GUEST_PAGING_CPU_MODE, CPU_MODE_64BIT);
            e.putInt(VM_EXIT_INOUT_STR_PAGING + VM_GUEST_PAGING_PAGING_MODE, PAGING_MODE_64);
            e.putLong(VM_EXIT_INOUT_STR_INDEX, rsi);
            e.putLong(VM_EXIT_INOUT_STR_COUNT, count);
            e.putInt(VM_EXIT_INOUT_STR_ADDRSIZE, 8);
            e.putInt(VM_EXIT_INOUT_STR_SEG_NAME, VM_REG_GUEST_DS);
        });
    }

    static Step hlt() {
        return exit(VM_EXITCODE_HLT, 0x1010, e -> { });
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
            return regs.computeIfAbsent(cpu, c -> new long[VM_REG_LAST]);
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
            if (request == VM_RUN) {
                return run(arg);
            }
            synchronized (this) {
                if (request == VM_ACTIVATE_CPU) {
                    active.add(arg.getInt(VM_ACTIVATE_CPU_VCPUID));
                } else if (request == VM_SUSPEND_CPU) {
                    debugCpus.add(arg.getInt(VM_ACTIVATE_CPU_VCPUID));
                    notifyAll();
                } else if (request == VM_RESUME_CPU) {
                    debugCpus.remove(arg.getInt(VM_ACTIVATE_CPU_VCPUID));
                } else if (request == VM_SET_CAPABILITY) {
                    int cap = arg.getInt(VM_CAPABILITY_CAPTYPE);
                    if (cap < 0 || cap >= VM_CAP_MAX) {
                        return -Errno.EINVAL;
                    }
                    caps.computeIfAbsent(arg.getInt(VM_CAPABILITY_CPUID), c -> new int[VM_CAP_MAX])[cap] =
                            arg.getInt(VM_CAPABILITY_CAPVAL);
                } else if (request == VM_GET_CAPABILITY) {
                    int cap = arg.getInt(VM_CAPABILITY_CAPTYPE);
                    arg.putInt(VM_CAPABILITY_CAPVAL,
                            caps.computeIfAbsent(arg.getInt(VM_CAPABILITY_CPUID), c -> new int[VM_CAP_MAX])[cap]);
                } else if (request == VM_GET_REGISTER) {
                    arg.putLong(VM_REGISTER_REGVAL, regs(arg.getInt(VM_REGISTER_CPUID))[arg.getInt(VM_REGISTER_REGNUM)]);
                } else if (request == VM_SET_REGISTER) {
                    regs(arg.getInt(VM_REGISTER_CPUID))[arg.getInt(VM_REGISTER_REGNUM)] = arg.getLong(VM_REGISTER_REGVAL);
                } else if (request == VM_GET_REGISTER_SET || request == VM_SET_REGISTER_SET) {
                    int count = arg.getInt(VM_REGISTER_SET_COUNT);
                    if (count > VM_REG_LAST) {
                        return -Errno.EINVAL;
                    }
                    NativeMemory nums = NativeAccess.get().view(arg.getLong(VM_REGISTER_SET_REGNUMS), 4L * count);
                    NativeMemory vals = NativeAccess.get().view(arg.getLong(VM_REGISTER_SET_REGVALS), 8L * count);
                    long[] r = regs(arg.getInt(VM_REGISTER_SET_CPUID));
                    for (int i = 0; i < count; i++) {
                        if (request == VM_GET_REGISTER_SET) {
                            vals.putLong(8L * i, r[nums.getInt(4L * i)]);
                        } else {
                            r[nums.getInt(4L * i)] = vals.getLong(8L * i);
                        }
                    }
                } else if (request == VM_GET_SEGMENT_DESCRIPTOR) {
                    long[] d = descs.getOrDefault(arg.getInt(VM_SEG_DESC_CPUID) * 100 + arg.getInt(VM_SEG_DESC_REGNUM),
                            new long[3]);
                    arg.putLong(VM_SEG_DESC_DESC + SEG_DESC_BASE, d[0]);
                    arg.putInt(VM_SEG_DESC_DESC + SEG_DESC_LIMIT, (int) d[1]);
                    arg.putInt(VM_SEG_DESC_DESC + SEG_DESC_ACCESS, (int) d[2]);
                } else if (request == VM_SET_SEGMENT_DESCRIPTOR) {
                    descs.put(arg.getInt(VM_SEG_DESC_CPUID) * 100 + arg.getInt(VM_SEG_DESC_REGNUM), new long[] {
                        arg.getLong(VM_SEG_DESC_DESC + SEG_DESC_BASE), arg.getInt(VM_SEG_DESC_DESC + SEG_DESC_LIMIT),
                        arg.getInt(VM_SEG_DESC_DESC + SEG_DESC_ACCESS)});
                } else if (request == VM_GET_TOPOLOGY) {
                    arg.putShort(VM_CPU_TOPOLOGY_MAXCPUS, (short) maxCpus);
                } else if (request == VM_SUSPEND) {
                    suspendedHow = arg.getInt(VM_SUSPEND_HOW);
                } else if (request == VM_STAT_DESC) {
                    int index = arg.getInt(VM_STAT_DESC_INDEX);
                    if (index < 0 || index >= statNames.size()) {
                        return -Errno.EINVAL;
                    }
                    arg.putString(VM_STAT_DESC_DESC, statNames.get(index));
                } else if (request == VM_STATS) {
                    int index = arg.getInt(VM_STATS_INDEX);
                    int n = Math.max(0, Math.min(MAX_VM_STATS, statValues.length - index));
                    for (int i = 0; i < n; i++) {
                        arg.putLong(VM_STATS_STATBUF + 8L * i, statValues[index + i]);
                    }
                    arg.putInt(VM_STATS_NUM_ENTRIES, n);
                    arg.putLong(VM_STATS_TV, 1_700_000_000L);
                    arg.putLong(VM_STATS_TV + 8, 5);
                } else if (request == VM_GLA2GPA_NOFAULT) {
                    // The guest maps its higher half at 0xffff800000000000 onto physical 0; nothing else.
                    long gla = arg.getLong(VM_GLA2GPA_GLA);
                    boolean mapped = gla >= 0xffff800000000000L && gla < 0xffff800000100000L
                            && arg.getInt(VM_GLA2GPA_PAGING + VM_GUEST_PAGING_PAGING_MODE) == PAGING_MODE_64;
                    arg.putInt(VM_GLA2GPA_FAULT, mapped ? 0 : 1);
                    arg.putLong(VM_GLA2GPA_GPA, mapped ? gla - 0xffff800000000000L : 0);
                } else if (request == VM_MUNMAP_MEMSEG) {
                    long gpa = arg.getLong(VM_MUNMAP_GPA);
                    if (!mappings.removeIf(m -> m[1] == gpa && m[2] == arg.getLong(VM_MUNMAP_LEN))) {
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
            int cpu = arg.getInt(VM_RUN_CPUID);
            NativeMemory exit = NativeAccess.get().view(arg.getLong(VM_RUN_VM_EXIT), VM_EXIT_SIZE);
            if (arg.getLong(VM_RUN_CPUSETSIZE) <= 0 || arg.getLong(VM_RUN_CPUSET) == 0) {
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
            exit.putInt(VM_EXIT_EXITCODE, VM_EXITCODE_DEBUG);
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
