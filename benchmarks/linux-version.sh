#!/usr/bin/env bash
# Time from process start to the kernel's "Linux version" line: `vmm4j boot` vs qemu microvm, on the
# same extracted vmlinux, alternating, in one run. Prints each time and the medians.
#   benchmarks/linux-version.sh [RUNS] [KERNEL]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
kernel=${2:-$(ls /boot/vmlinuz-* | head -1)}
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
jar=examples/target/vmm4j.jar
[ -f "$jar" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$JAVA_HOME/bin/java" -jar "$jar" vmlinux "$kernel" "$work/vmlinux" >/dev/null
append="console=ttyS0 earlyprintk=ttyS0"

# Milliseconds until "Linux version" appears in the output of the command; the command is then killed.
until_version() {
  local start end line
  start=$(date +%s%N)
  coproc P { exec "$@" </dev/null 2>&1; }
  while IFS= read -r line <&"${P[0]}"; do
    case "$line" in *"Linux version"*) break ;; esac
  done
  end=$(date +%s%N)
  kill "$P_PID" 2>/dev/null || true
  wait "$P_PID" 2>/dev/null || true
  echo $(( (end - start) / 1000000 ))
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: > "$work/vmm4j"; : > "$work/qemu"
for i in $(seq 1 "$runs"); do
  v=$(until_version timeout 300 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar" boot \
        --kernel "$work/vmlinux" --mem 256M --append "$append" --timeout 280)
  q=$(until_version timeout 300 qemu-system-x86_64 -M microvm -enable-kvm -m 256 -nographic -no-reboot \
        -kernel "$work/vmlinux" -append "$append")
  echo "run $i: vmm4j ${v} ms, qemu microvm ${q} ms"
  echo "$v" >> "$work/vmm4j"; echo "$q" >> "$work/qemu"
done
mv=$(median < "$work/vmm4j"); mq=$(median < "$work/qemu")
echo "median: vmm4j ${mv} ms, qemu microvm ${mq} ms, ratio vmm4j/qemu $(awk -v a="$mv" -v b="$mq" 'BEGIN {printf "%.2f", a / b}')"
