#!/usr/bin/env bash
# Whole-process start-up and footprint of `vmm4j boot` next to QEMU's microvm, booting the same tiny
# bzImage (written by `vmm4j tiny-kernel`: prints BOOTED on COM1, then ends the machine).
#
#   benchmarks/startup.sh [RUNS]      # default 21 runs of each variant, interleaved
#
# Each variant is timed from exec to exit (bash's EPOCHREALTIME around the child) and its peak RSS
# taken from /usr/bin/time; the table shows medians. Variants, one start-up technique added at a time:
#   jar          java -jar vmm4j.jar (JDK defaults: G1, tiered C1+C2, the JDK's own CDS archive)
#   flags        + SerialGC, C1 only, no perf data, heap sized for the job (-Xms8m -Xmx1g: reserved, committed only as used)
#   appcds       + an AppCDS archive of the application's classes (-XX:SharedArchiveFile)
#   aot          + instead a JDK 25 AOT cache (-XX:AOTCache, JEP 483/514): classes loaded and linked
#   launcher     examples/target/vmm4j, the packaged launcher (= aot)
#   split        the launcher with --irqchip split (IOAPIC in Java, no PIT: no KVM grace periods)
#   qemu         qemu-system-x86_64 -M microvm, same image
#   jvm-only     examples/target/vmm4j help: the launcher's JVM with the AOT cache, no machine (the floor
#                under every vmm4j row)
# Then the footprint: VmRSS/VmHWM of each VMM while a 256 MiB guest idles after printing (the
# `tiny-kernel --hold` variant halts instead of ending the machine).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
java=$JAVA_HOME/bin/java
jar=examples/target/vmm4j.jar
[ -f "$jar" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$java" -jar "$jar" tiny-kernel "$work/tiny.bzImage" 2>/dev/null
"$java" -jar "$jar" tiny-kernel --hold "$work/hold.bzImage" 2>/dev/null

lean=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xms8m -Xmx1g -Xss512k --enable-native-access=ALL-UNNAMED)
boot=(-jar "$jar" boot --kernel "$work/tiny.bzImage")
# Archives are built here, from the jar being measured, so the numbers never mix builds.
"$java" "${lean[@]}" -XX:ArchiveClassesAtExit="$work/app.jsa" "${boot[@]}" </dev/null >/dev/null 2>&1
"$java" "${lean[@]}" -XX:AOTCacheOutput="$work/app.aot" "${boot[@]}" </dev/null >/dev/null 2>&1

qemu_cpu=host,-arch-capabilities
qemu-system-x86_64 -M microvm -enable-kvm -cpu "$qemu_cpu" -nographic -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$work/tiny.bzImage" </dev/null >"$work/out" 2>&1 || true
if ! grep -q BOOTED "$work/out"; then
    qemu_cpu=qemu64
    echo "note: -cpu host,-arch-capabilities failed here; qemu uses its default CPU model ($qemu_cpu)" >&2
fi
qemu=(qemu-system-x86_64 -M microvm -enable-kvm -cpu "$qemu_cpu" -nographic -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=4)

names=(jar flags appcds aot launcher split qemu jvm-only)
command_of() {
    case "$1" in
        jar)      echo "$java ${boot[*]}" ;;
        flags)    echo "$java ${lean[*]} ${boot[*]}" ;;
        appcds)   echo "$java ${lean[*]} -XX:SharedArchiveFile=$work/app.jsa ${boot[*]}" ;;
        aot)      echo "$java ${lean[*]} -XX:AOTCache=$work/app.aot ${boot[*]}" ;;
        launcher) echo "examples/target/vmm4j boot --kernel $work/tiny.bzImage" ;;
        split)    echo "examples/target/vmm4j boot --irqchip split --kernel $work/tiny.bzImage" ;;
        qemu)     echo "${qemu[*]} -kernel $work/tiny.bzImage" ;;
        jvm-only) echo "examples/target/vmm4j help" ;;
    esac
}
[ -x examples/target/vmm4j ] || names=(jar flags appcds aot qemu)
expect() { [ "$1" = jvm-only ] && echo usage || echo BOOTED; }

declare -A times rss
for n in "${names[@]}"; do times[$n]=""; rss[$n]=""; done
for ((i = 0; i <= runs; i++)); do          # run 0 warms the page cache and is not counted
    for n in "${names[@]}"; do
        read -ra cmd <<<"$(command_of "$n")"
        t0=$EPOCHREALTIME
        /usr/bin/time -f %M -o "$work/rss" "${cmd[@]}" </dev/null >"$work/out" 2>&1 || true
        t1=$EPOCHREALTIME
        grep -q "$(expect "$n")" "$work/out" || { echo "$n did not print $(expect "$n"):" >&2; cat "$work/out" >&2; exit 1; }
        if ((i > 0)); then
            times[$n]+="$(( (${t1/./} - ${t0/./}) / 100 )) "   # tenths of a millisecond
            rss[$n]+="$(tail -1 "$work/rss") "
        fi
    done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
qemu_median=$(echo "${times[qemu]}" | median)
echo
echo "## Process start to exit, $runs runs each, interleaved ($(nproc) CPUs, $(uname -r))"
echo
echo "| variant | median ms | min ms | max ms | vs qemu microvm | peak RSS MiB (median) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for n in "${names[@]}"; do
    m=$(echo "${times[$n]}" | median)
    lo=$(echo "${times[$n]}" | tr ' ' '\n' | grep . | sort -n | head -1)
    hi=$(echo "${times[$n]}" | tr ' ' '\n' | grep . | sort -n | tail -1)
    r=$(echo "${rss[$n]}" | median)
    awk -v n="$n" -v m="$m" -v lo="$lo" -v hi="$hi" -v q="$qemu_median" -v r="$r" \
        'BEGIN {printf "| %s | %.1f | %.1f | %.1f | %.2fx | %.1f |\n", n, m/10, lo/10, hi/10, m/q, r/1024}'
done

if command -v cc >/dev/null; then
    cc -O2 -o "$work/floor" benchmarks/startup-floor.c
    echo
    echo "## The KVM floor: the same VM set-up and teardown in C, no guest run ($runs rounds)"
    echo
    echo "| step | median us | min us | max us |"
    echo "| --- | ---: | ---: | ---: |"
    "$work/floor" "$runs"
    "$work/floor" "$runs" split
fi

# Footprint while the guest idles: start, wait for BOOTED, read /proc/PID/status, kill.
footprint() {
    local name=$1; shift
    "$@" </dev/null >"$work/fp.out" 2>&1 &
    local pid=$! waited=0
    until grep -q BOOTED "$work/fp.out" 2>/dev/null || ((waited > 100)); do sleep 0.1; waited=$((waited + 1)); done
    sleep 0.5
    local status
    status=$(grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|VmSize)' /proc/$pid/status | awk '{printf "%s %d MiB; ", $1, $2/1024}')
    local threads ram
    threads=$(ls /proc/$pid/task | wc -l)
    # The guest RAM mapping (256 MiB): how much of it is resident, and whether it is VM_NORESERVE ("nr").
    # (A neighbouring mapping may have been merged into it, hence a small range of sizes.)
    ram=$(awk '/^[0-9a-f]+-[0-9a-f]+ /{ram=0} /^Size:/{ram=($2 >= 262144 && $2 <= 266240)} ram && /^Rss:/{rss=$2}
               ram && /^VmFlags:/{print "guest RAM mapping: Rss " rss " KiB, flags" substr($0, 9); ram=0}' /proc/$pid/smaps | head -1)
    kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
    echo "| $name | $status threads $threads | ${ram:-} |"
}
echo
small="-Xint -Xms2m -Xmn512k -Xss256k"
echo "## Footprint of a 256 MiB, 1-vCPU guest idling after it printed"
echo
echo "| VMM | /proc/PID/status | /proc/PID/smaps |"
echo "| --- | --- | --- |"
if [ -x examples/target/vmm4j ]; then
    footprint "vmm4j (launcher)" examples/target/vmm4j boot --kernel "$work/hold.bzImage"
fi
if [ -x examples/target/vmm4j ]; then
    footprint "vmm4j (launcher, -Xint)" env VMM4J_JAVA_OPTS=-Xint examples/target/vmm4j boot --kernel "$work/hold.bzImage"
    # The smallest footprint found: interpreter only, a 512 KiB young generation, 256 KiB thread stacks.
    footprint "vmm4j (launcher, $small)" env VMM4J_JAVA_OPTS="$small" examples/target/vmm4j boot --kernel "$work/hold.bzImage"
fi
footprint "vmm4j (java -jar)" "$java" -jar "$jar" boot --kernel "$work/hold.bzImage"
footprint "qemu microvm" "${qemu[@]}" -m 256 -kernel "$work/hold.bzImage"
