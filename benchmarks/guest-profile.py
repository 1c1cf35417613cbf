#!/usr/bin/env python3
"""Where a guest spends its time until a line appears on its console, whichever VMM runs it.

Samples the guest's instruction pointer from KVM's own tracepoints while COMMAND runs, so vmm4j and
qemu are profiled by the same means: on a host where KVM emulates guest instructions (nested through
PVM, as on this project's machines) every instruction passes `kvm:kvm_emulate_insn`, which carries
its RIP; elsewhere `kvm:kvm_exit` is used (guest RIP at each exit). Every 20 ms the last event in a
small ring buffer is taken as the sample. Needs root and tracefs.

    benchmarks/guest-profile.py [--until TEXT] [--vmlinux ELF] [--top N] -- COMMAND [ARG ...]

Prints the time until TEXT (default "Linux version") appeared, the share of samples per ELF section of
VMLINUX and the hottest addresses with the instruction there (objdump), e.g. the `rep stos` of the
kernel's clear_bss().
"""
import argparse
import bisect
import collections
import os
import re
import struct
import subprocess
import sys
import time

TRACE = "/sys/kernel/tracing"
EVENT_RIP = {"kvm_emulate_insn": re.compile(r"kvm_emulate_insn: [0-9a-f]+:([0-9a-f]+):"),
             "kvm_exit": re.compile(r"kvm_exit: .* rip 0x([0-9a-f]+)")}


def write(path, value):
    with open(os.path.join(TRACE, path), "w") as f:
        f.write(value)


def sections(vmlinux):
    """[(start, end, name)] of the allocated sections of an ELF file, from readelf."""
    out = subprocess.run(["readelf", "-SW", vmlinux], capture_output=True, text=True, check=True).stdout
    found = []
    for m in re.finditer(r"\]\s+(\S+)\s+\S+\s+([0-9a-f]{16})\s+[0-9a-f]+\s+([0-9a-f]+)", out):
        start, size = int(m.group(2), 16), int(m.group(3), 16)
        if start and size:
            found.append((start, start + size, m.group(1)))
    return sorted(found)


def exported_symbols(vmlinux, secs):
    """{address: name} of the functions the kernel exports, read from __ksymtab(_gpl): vmlinux inside a
    distribution bzImage has no symbol table, but its export table survives. Entries are PREL32
    (x86-64: struct kernel_symbol { int value_offset, name_offset, namespace_offset; })."""
    out = subprocess.run(["readelf", "-SW", vmlinux], capture_output=True, text=True, check=True).stdout
    where = {m.group(1): (int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16))
             for m in re.finditer(r"\]\s+(__ksymtab\S*)\s+\S+\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)", out)}
    if "__ksymtab_strings" not in where:
        return {}
    with open(vmlinux, "rb") as f:
        def read(name):
            address, offset, size = where[name]
            f.seek(offset)
            return address, f.read(size)
        strings_at, strings = read("__ksymtab_strings")
        found = {}
        for table in ("__ksymtab", "__ksymtab_gpl"):
            if table not in where:
                continue
            base, data = read(table)
            for i in range(0, len(data) - 11, 12):
                value, name = struct.unpack_from("<ii", data, i)
                name_at = base + i + 4 + name - strings_at
                if 0 <= name_at < len(strings):
                    end = strings.index(b"\0", name_at)
                    found[base + i + value] = strings[name_at:end].decode(errors="replace")
    return found


def instruction(vmlinux, address):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--start-address={address:#x}",
                          f"--stop-address={address + 16:#x}", vmlinux],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.strip().startswith(f"{address:x}:"):
            return line.split(":", 1)[1].strip()
    return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--until", default="Linux version")
    parser.add_argument("--vmlinux")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no COMMAND")
    if not os.path.isdir(os.path.join(TRACE, "events", "kvm")):
        sys.exit(f"no KVM tracepoints under {TRACE} (root? mount -t tracefs nodev {TRACE})")

    write("tracing_on", "0")
    write("trace", "")
    write("buffer_size_kb", "8")
    events = ["kvm_emulate_insn", "kvm_exit"]
    for e in events:
        write(f"events/kvm/{e}/enable", "1")
    counts = collections.Counter()
    used = collections.Counter()
    seen = b""
    until = args.until.encode()
    reached = None
    proc = None
    try:
        start = time.monotonic()
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.set_blocking(proc.stdout.fileno(), False)
        write("tracing_on", "1")
        while time.monotonic() - start < args.timeout and proc.poll() is None:
            time.sleep(0.02)
            chunk = proc.stdout.read()
            if chunk:
                seen = (seen + chunk)[-65536:]
                if until in seen:
                    reached = time.monotonic() - start
                    break
            with open(os.path.join(TRACE, "trace")) as f:
                lines = f.read().splitlines()
            # Prefer the emulated-instruction event: it is the finer one where it fires at all.
            for name in events:
                rip = next((m.group(1) for m in (EVENT_RIP[name].search(l) for l in reversed(lines)) if m), None)
                if rip:
                    counts[int(rip, 16)] += 1
                    used[name] += 1
                    break
    finally:
        write("tracing_on", "0")
        for e in events:
            write(f"events/kvm/{e}/enable", "0")
        if proc is not None:
            proc.kill()
            proc.wait()

    total = sum(counts.values())
    print(f"command: {' '.join(command)}")
    print(f"'{args.until}' after {reached:.2f} s" if reached is not None else f"'{args.until}' not seen")
    print(f"samples: {total} ({', '.join(f'{n} from {e}' for e, n in used.items())})")
    if not total:
        return
    if args.vmlinux:
        secs = sections(args.vmlinux)
        starts = [s for s, _, _ in secs]
        by_section = collections.Counter()
        for rip, n in counts.items():
            i = bisect.bisect_right(starts, rip) - 1
            by_section[secs[i][2] if i >= 0 and rip < secs[i][1] else "(outside vmlinux)"] += n
        print("by section:")
        for name, n in by_section.most_common():
            print(f"  {100 * n / total:5.1f}%  {name}")
        exported = exported_symbols(args.vmlinux, secs)
        names = sorted(exported)

        def symbol(rip):
            # Only a close export is a plausible name: static functions have none of their own.
            i = bisect.bisect_right(names, rip) - 1
            return f"{exported[names[i]]}+{rip - names[i]:#x}" if i >= 0 and rip - names[i] < 0x200 else ""

        by_function = collections.Counter()
        for rip, n in counts.items():
            by_function[symbol(rip).split("+")[0] or "(no exported symbol near)"] += n
        print("by nearest exported function (within 512 bytes; a static function shows as the export before it):")
        for name, n in by_function.most_common(args.top):
            print(f"  {100 * n / total:5.1f}%  {name}")
    else:
        symbol = lambda rip: ""
    print("hottest addresses:")
    for rip, n in counts.most_common(args.top):
        text = instruction(args.vmlinux, rip) if args.vmlinux else ""
        print(f"  {100 * n / total:5.1f}%  {rip:#x}  {symbol(rip):<28} {text}")


if __name__ == "__main__":
    main()
