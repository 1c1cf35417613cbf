#!/usr/bin/env bash
# Boots the same Linux kernel to "Run /init" with vmm4j and with qemu microvm, side by side, in one run,
# and compares the wall time from exec to that line and the VM exits KVM counted until then.
#
#   benchmarks/boot-vs-qemu.sh [--rounds N] [--out DIR] [--devices]
#
# --devices: both VMMs also get a virtio-blk disk (an ext2 image, the root file system: root=/dev/vda) and a
# virtio-net device on the tap "vmb0" inside a network namespace of the script's own (vmm4j-bench) where a
# dnsmasq answers DHCP, and the kernel configures its address (ip=dhcp); each boot then ends at the kernel's
# "IP-Config: Got DHCP answer" instead of "Run /init" (default out: benchmarks/results/boot-vs-qemu-devices).
# Both VMMs run inside that namespace (ip netns exec) and open the same persistent tap in turn. qemu's
# microvm announces its virtio-mmio devices on the command line itself (auto-kernel-cmdline=on), as vmm4j
# does, so the echoed command lines are compared without their virtio_mmio.device= entries.
#
# Both VMMs get the same vmlinux (guest/linux/build-kernel --variant no-int3-selftest: on hosts whose KVM
# cannot deliver the INT3 of the kernel's self-test, qemu stops there, so both use the variant without that
# one call), the same command line (vmm4j's default CPU model adds clearcpuid=...; qemu gets the same
# list) and the same uncompressed initramfs, 256 MiB and one vCPU. Rounds alternate which VMM goes first.
# Exits are counted by KVM's tracepoints through `perf stat` around each VMM (the same source for both;
# qemu's binary stats fd is not reachable from outside, and KVM's debugfs statistics answer EPERM on
# this project's hosts): kvm_userspace_exit (an exit KVM hands to the VMM process: port and MMIO
# accesses and the like), kvm_pio, kvm_mmio, and kvm_emulate_insn (instructions KVM's emulator ran).
# kvm_exit/kvm_entry are listed too: under nested PVM they never fire. Each VMM is stopped as soon as
# its console shows "Run /init"; perf prints its counts then (a few ms after the line).
# Needs root (perf on KVM's tracepoints), perf, examples/target/vmm4j (mvn -B -ntp package -DskipTests)
# and qemu-system-x86_64.
#
# Prints one line per boot and a summary; writes boots.csv and summary.md into --out
# (default benchmarks/results/boot-vs-qemu).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=5
out=
devices=
timeout_seconds=300
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { echo "--rounds needs a positive number" >&2; exit 2; }; rounds=$2; shift ;;
    --out) [ $# -ge 2 ] || { echo "--out needs a directory" >&2; exit 2; }; out=$2; shift ;;
    --devices) devices=1 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

[ -n "$out" ] || out=benchmarks/results/boot-vs-qemu${devices:+-devices}
until_line="Run /init as init process"
[ -z "$devices" ] || until_line="IP-Config: Got DHCP answer"

say() { echo "boot-vs-qemu: $*" >&2; }
die() { say "$*"; exit 1; }

launcher=examples/target/vmm4j
[ -x "$launcher" ] && [ -f examples/target/vmm4j.jar ] ||
  die "no $launcher: build it first (mvn -B -ntp package -DskipTests)"
qemu=$(command -v qemu-system-x86_64) || die "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
[ -w /dev/kvm ] || die "no writable /dev/kvm"
perf=$(command -v perf) || die "no perf (apt-get install linux-perf): the exit counts come from KVM's tracepoints"

kernel_dir=$(guest/linux/build-kernel --variant no-int3-selftest)
vmlinux=$kernel_dir/vmlinux
mkdir -p "$out"
work=$(mktemp -d)
netns=vmm4j-bench
cleanup() {
  if [ -n "$devices" ]; then
    [ ! -f "$work/dnsmasq.pid" ] || kill "$(cat "$work/dnsmasq.pid")" 2>/dev/null || true
    ip netns del "$netns" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- the initramfs: busybox and an init script, as an uncompressed newc cpio -------------------------------
[ -x /bin/busybox ] || die "no /bin/busybox (apt-get install busybox-static)"
root=$work/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
cp /bin/busybox "$root/bin/busybox"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox echo VMM4J-BENCH-INIT
/bin/busybox reboot -f
EOF
chmod 755 "$root/init"
initramfs=$work/initramfs.cpio
(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --owner=0:0) >"$initramfs"

cmdline="console=ttyS0 reboot=k panic=-1 rdinit=/init nopv"
netexec=()
vmm4j_devices=()
qemu_devices=()
if [ -n "$devices" ]; then
  # --- the disk: an ext2 root file system; the network: a tap in a namespace with a DHCP server --------------
  mke2fs=$(PATH=$PATH:/usr/sbin:/sbin command -v mke2fs) || die "no mke2fs (apt-get install e2fsprogs)"
  dnsmasq=$(PATH=$PATH:/usr/sbin:/sbin command -v dnsmasq) || die "no dnsmasq (apt-get install dnsmasq-base)"
  disk=$work/root.ext2
  "$mke2fs" -q -t ext2 -d "$root" -F "$disk" 16M
  ip netns del "$netns" 2>/dev/null || true
  ip netns add "$netns"
  ip -n "$netns" link set lo up
  ip -n "$netns" tuntap add dev vmb0 mode tap
  ip -n "$netns" addr add 10.77.0.1/24 dev vmb0
  ip -n "$netns" link set vmb0 up
  ip netns exec "$netns" "$dnsmasq" --pid-file="$work/dnsmasq.pid" --conf-file=/dev/null --interface=vmb0 \
    --bind-interfaces --except-interface=lo --dhcp-range=10.77.0.10,10.77.0.20,255.255.255.0,1h \
    --dhcp-leasefile="$work/leases" --no-resolv --no-hosts --port=0
  netexec=(ip netns exec "$netns")
  cmdline="console=ttyS0 reboot=k panic=-1 nopv root=/dev/vda ro ip=dhcp"
  vmm4j_devices=(--disk "$disk,ro" --net tap=vmb0,mac=52:54:00:12:34:56)
  qemu_devices=(-drive "file=$disk,format=raw,if=none,id=d0,readonly=on" -device virtio-blk-device,drive=d0
    -netdev tap,id=n0,ifname=vmb0,script=no,downscript=no -device virtio-net-device,netdev=n0,mac=52:54:00:12:34:56)
fi
initrd_args=(--initrd "$initramfs")
qemu_initrd=(-initrd "$initramfs")
if [ -n "$devices" ]; then
  initrd_args=()
  qemu_initrd=()
fi
clearcpuid=  # vmm4j's, read from the first vmm4j boot's "Command line:" echo
# KVM's tracepoints counted for the VMM process and its threads.
stats=(kvm_userspace_exit kvm_pio kvm_mmio kvm_emulate_insn kvm_exit kvm_entry)
events=$(printf 'kvm:%s,' "${stats[@]}")
events=${events%,}

# The command of VMM $1 into the array "command".
set_command() {
  if [ "$1" = vmm4j ]; then
    command=("${netexec[@]}" "$launcher" boot --kernel "$vmlinux" "${initrd_args[@]}" --mem 256M --cpus 1
      --append "$cmdline" "${vmm4j_devices[@]}")
  else
    local auto=off
    [ -z "$devices" ] || auto=on
    command=("${netexec[@]}" "$qemu"
      -M microvm,x-option-roms=off,rtc=on,pit=on,pic=on,isa-serial=on,acpi=off,ioapic2=off,auto-kernel-cmdline=$auto
      -enable-kvm -cpu qemu64 -m 256M -smp 1 -nodefaults -no-user-config -display none -serial stdio
      -monitor none -no-reboot -kernel "$vmlinux" "${qemu_initrd[@]}" -append "$cmdline $clearcpuid"
      "${qemu_devices[@]}")
  fi
}
show_command() {
  local -a command
  set_command "$1"
  printf '%q ' "$perf" stat -x, -e "$events" -- "${command[@]}" | sed 's/ $//'
}

# Runs one boot; writes "seconds <the stats> utime stime" (CPU seconds of the VMM process) to
# $work/result. Not in a subshell: the first vmm4j boot sets clearcpuid.
boot() {
  local name=$1 console=$work/$1.console
  local -a command
  set_command "$name"
  local counts=$work/$name.perf
  local start=$EPOCHREALTIME
  "$perf" stat -x, -o "$counts" -e "$events" -- "${command[@]}" </dev/null >"$console" 2>&1 &
  local perf_pid=$! deadline=$((SECONDS + timeout_seconds)) pid=
  until grep -q "$until_line" "$console"; do
    if ! kill -0 "$perf_pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      kill "$perf_pid" 2>/dev/null || true
      wait "$perf_pid" 2>/dev/null || true
      tail -n 20 "$console" >&2
      die "$name did not print '$until_line' (ended or timed out after $timeout_seconds s); console: $console"
    fi
    sleep 0.02
  done
  local end=$EPOCHREALTIME
  pid=$(cat "/proc/$perf_pid/task/$perf_pid/children")
  pid=${pid%% *}
  local -a cpu
  read -r -a cpu < <(cut -d' ' -f14,15 "/proc/$pid/stat")
  local tick
  tick=$(getconf CLK_TCK)
  kill "$pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  local -a values=()
  local s
  for s in "${stats[@]}"; do
    values+=("$(awk -F, -v e="kvm:$s" '$3 == e { print ($1 ~ /^[0-9]+$/ ? $1 : 0) }' "$counts")")
  done
  local echoed
  echoed=$(grep -a -m1 -o 'Command line: .*' "$console" | tr -d '\r' | sed -E 's/ ?virtio_mmio\.device=[^ ]*//g')
  if [ -n "$devices" ]; then
    grep -Eq 'virtio_blk virtio[0-9]+: \[vda\]' "$console" ||
      die "$name's kernel did not find the virtio disk; console: $console"
  fi
  if [ "$name" = vmm4j ] && [ -z "$clearcpuid" ]; then
    clearcpuid=$(grep -o 'clearcpuid=[0-9,]*' <<<"$echoed" || true)
    say "vmm4j's command line: ${echoed#Command line: }"
  fi
  echo "${echoed#Command line: }" >"$work/$name.cmdline"
  cp "$console" "$out/last-$name.console"
  printf '%s %s %s %s\n' "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')" "${values[*]}" \
    "$(awk -v t="${cpu[0]}" -v k="$tick" 'BEGIN { printf "%.2f", t / k }')" \
    "$(awk -v t="${cpu[1]}" -v k="$tick" 'BEGIN { printf "%.2f", t / k }')" >"$work/result"
}

csv=$out/boots.csv
echo "round,vmm,seconds,${stats[*]// /,},user_cpu_s,system_cpu_s" | tr ' ' ',' >"$csv"
say "kernel: $vmlinux"
say "$rounds rounds, alternating which VMM goes first; each boot up to '$until_line' (about a minute here)"
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2 == 1)); then order=(vmm4j qemu); else order=(qemu vmm4j); fi
  for name in "${order[@]}"; do
    boot "$name"
    line=$(cat "$work/result")
    say "round $r $name: $line"
    echo "$r,$name,${line// /,}" >>"$csv"
  done
  cmp -s "$work/vmm4j.cmdline" "$work/qemu.cmdline" ||
    die "the kernels echoed different command lines: vmm4j '$(cat "$work/vmm4j.cmdline")', qemu '$(cat "$work/qemu.cmdline")'"
done

# --- summary: median and range per VMM, ratios of medians -------------------------------------------------
python3 - "$csv" "$(show_command vmm4j)" "$(show_command qemu)" "$(cat "$work/vmm4j.cmdline")" >"$out/summary.md" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
cols = [c for c in rows[0] if c not in ("round", "vmm")]
by = {v: [r for r in rows if r["vmm"] == v] for v in ("vmm4j", "qemu")}
med = {v: {c: statistics.median(float(r[c]) for r in by[v]) for c in cols} for v in by}
rng = {v: {c: (min(float(r[c]) for r in by[v]), max(float(r[c]) for r in by[v])) for c in cols} for v in by}
print(f"{len(by['vmm4j'])} boots each, alternating; median (min–max)\n")
print("| measure | vmm4j | qemu microvm | vmm4j/qemu (medians) |")
print("| --- | ---: | ---: | ---: |")
for c in cols:
    fmt = (lambda x: f"{x:.2f}") if c in ("seconds", "user_cpu_s", "system_cpu_s") else (lambda x: f"{x:,.0f}")
    q = med["qemu"][c]
    ratio = f"{med['vmm4j'][c] / q:.3f}" if q else "–"
    print(f"| {c} | {fmt(med['vmm4j'][c])} ({fmt(rng['vmm4j'][c][0])}–{fmt(rng['vmm4j'][c][1])}) "
          f"| {fmt(q)} ({fmt(rng['qemu'][c][0])}–{fmt(rng['qemu'][c][1])}) | {ratio} |")
print(f"\nvmm4j: `{sys.argv[2]}`\n\nqemu: `{sys.argv[3]}`\n\nkernel command line (both): `{sys.argv[4]}`")
EOF
cat "$out/summary.md"
