#!/usr/bin/env bash
# Packaging step of the CLI (run by Maven after the shaded jar is built): writes target/vmm4j, a
# launcher with start-up flags, and target/vmm4j.aot, a JDK 25 AOT cache (JEP 483/514) recorded by
# a training run that boots a tiny guest. Without /dev/kvm (or before JDK 25) the launcher still
# works, just without the cache.
#   package-launcher.sh TARGET_DIR JAVA_HOME
set -euo pipefail
target=$(cd "$1" && pwd)
java_home=${2:-${JAVA_HOME:-}}
java=${java_home:+$java_home/bin/}java
jar=$target/vmm4j.jar
aot=$target/vmm4j.aot
# Flags for a short-lived VMM: one GC thread family and no perf-data file; a heap sized for the job
# (guest RAM is mmap'ed outside the heap); C1 only, since the run loop never gets hot enough for C2.
# The same flags are used for training and use, so the cache matches.
flags=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xms8m -Xmx1g -Xss512k
       --enable-native-access=ALL-UNNAMED)

cat > "$target/vmm4j" <<LAUNCHER
#!/bin/sh
# vmm4j launcher: the CLI with start-up flags and, when present and valid, the AOT cache.
here=\$(cd "\$(dirname "\$0")" && pwd)
java=\${JAVA_HOME:+\$JAVA_HOME/bin/}java
[ -x "$java" ] && [ -z "\${JAVA_HOME:-}" ] && java="$java"
aot=
[ -f "\$here/vmm4j.aot" ] && aot="-XX:AOTCache=\$here/vmm4j.aot -Xlog:aot=off -Xlog:cds=off"
exec "\$java" ${flags[*]} \$aot \${VMM4J_JAVA_OPTS:-} -jar "\$here/vmm4j.jar" "\$@"
LAUNCHER
chmod +x "$target/vmm4j"

rm -f "$aot"
if ! "$java" -XX:AOTMode=off -version >/dev/null 2>&1; then
    echo "package-launcher: $java has no AOT cache (JDK 25+ needed); launcher without it" >&2
    exit 0
fi
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    echo "package-launcher: no usable /dev/kvm for the training run; launcher without an AOT cache" >&2
    exit 0
fi
kernel=$target/tiny.bzImage
"$java" "${flags[@]}" -jar "$jar" tiny-kernel "$kernel" 2>/dev/null
# Training: three boots in one JVM would train the steady state; the cache is for the first one.
"$java" "${flags[@]}" -XX:AOTCacheOutput="$aot" -Xlog:aot=warning -Xlog:cds=warning \
    -jar "$jar" boot --kernel "$kernel" </dev/null >/dev/null 2>&1 \
    || echo "package-launcher: training run failed; launcher without an AOT cache" >&2
[ -f "$aot" ] && echo "package-launcher: wrote $aot ($(du -h "$aot" | cut -f1))" >&2
exit 0
