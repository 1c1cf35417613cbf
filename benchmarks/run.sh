#!/usr/bin/env bash
# Runs the JMH suite and writes results (JSON), the results table (markdown, for benchmarks/RESULTS.md) and charts (PNG).
#   benchmarks/run.sh smoke   # tiny iteration counts: proves every benchmark still runs (CI)
#   benchmarks/run.sh full    # the numbers in benchmarks/RESULTS.md (and the README's short table)
#   benchmarks/run.sh paired  # only VcpuRunLoop's Java/C ratio, C and Java interleaved (PairedRunLoop), FFM and JNA
#   benchmarks/run.sh paired-libvirt  # only LibvirtCalls' ratios, C, vmm4j and libvirt-java interleaved (PairedLibvirt)
# Extra arguments are passed to JMH (e.g. a benchmark regex).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-full}; shift || true
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
java="$JAVA_HOME/bin/java"
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
case "$mode" in smoke) out=benchmarks/results/smoke ;; *) out=benchmarks/results/full ;; esac
mkdir -p "$out"
# The paired harnesses, once on FFM and once on JNA, their tables joined into DIR/PREFIX.md:
#   PairedRunLoop (prefix "paired"): C and Java take turns on one vCPU, so the ratio is free of the host's drift.
#   PairedLibvirt (prefix "paired-libvirt"): the same for LibvirtCalls, C, vmm4j and libvirt-java on test:///default.
# Each checks itself (the sides must do the same work) and exits non-zero if the harness is broken.
paired_run() {
  local class=$1 prefix=$2 dir=$3; shift 3
  for impl in ffm jna; do
    "$java" --enable-native-access=ALL-UNNAMED -Dvmm4j.native=$impl -cp "$jar" "org.vmm4j.benchmarks.$class" \
      --out "$dir" "$@" >/dev/null
  done
  { cat "$dir/$prefix-ffm.md"; tail -n +3 "$dir/$prefix-jna.md"; } >"$dir/$prefix.md"
  cat "$dir/$prefix.md"
}
case "$mode" in
  smoke) opts=(-f 1 -wi 1 -i 1 -w 200ms -r 200ms); paired_opts=(--pairs 3 --warmup-pairs 1 --pair-ms 100)
         libvirt_opts=(--rounds 3 --warmup-rounds 1 --round-ms 100) ;;
  full)  opts=(-f 1 -wi 3 -i 5 -w 2s -r 2s); paired_opts=(--pairs 25 --warmup-pairs 5 --pair-ms 800)
         libvirt_opts=(--rounds 21 --warmup-rounds 5 --round-ms 600) ;;
  paired) paired_run PairedRunLoop paired "$out" --pairs 25 --warmup-pairs 5 --pair-ms 800 "$@"; exit 0 ;;
  paired-libvirt) paired_run PairedLibvirt paired-libvirt "$out" --rounds 21 --warmup-rounds 5 --round-ms 600 "$@"; exit 0 ;;
  *) echo "usage: $0 smoke|full|paired|paired-libvirt [jmh args | PairedRunLoop / PairedLibvirt args]" >&2; exit 2 ;;
esac
"$java" -jar "$jar" "${opts[@]}" -prof gc -rf json -rff "$out/results.json" "$@"
# The hot paths again with the JNA side of the native seam, same JDK, same run of this script.
jna_benchmarks=${JNA_BENCHMARKS:-"VcpuRunLoop.(java|paired)|StatsPoll.binaryFd|LibvirtCalls.vmm4j"}
if [ $# -eq 0 ]; then
  "$java" -jar "$jar" "${opts[@]}" -prof gc -jvmArgsAppend -Dvmm4j.native=jna -rf json -rff "$out/results-jna.json" \
    "$jna_benchmarks"
  "$java" -cp "$jar" org.vmm4j.benchmarks.report.BenchmarkReport "$out" "$out/results.json" "$out/results-jna.json=jna"
else
  "$java" -cp "$jar" org.vmm4j.benchmarks.report.BenchmarkReport "$out" "$out/results.json"
fi
if [ $# -eq 0 ]; then
  paired_run PairedRunLoop paired "$out" "${paired_opts[@]}"
  { echo; echo "Paired Java/C (PairedRunLoop ${paired_opts[*]}):"; echo; cat "$out/paired.md"; } >>"$out/results.md"
  paired_run PairedLibvirt paired-libvirt "$out" "${libvirt_opts[@]}"
  { echo; echo "Paired libvirt calls (PairedLibvirt ${libvirt_opts[*]}):"; echo; cat "$out/paired-libvirt.md"; } \
    >>"$out/results.md"
fi
