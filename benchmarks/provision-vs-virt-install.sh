#!/usr/bin/env bash
# Creates the same guest from the same base image twice per round, side by side: with `vmm4j provision`
# (qcow2 overlay, NoCloud seed from vmm4j's writer with a pinned host key, define, start, address, SSH,
# agent install/configure/start) and with `virt-install --import` plus `cloud-localds` (the same overlay,
# a cloud-localds seed with the same user and key, the same direct kernel boot, the same network; then
# the address from the DHCP lease, SSH, and the same agent commands over ssh). Prints the wall time of
# each create from the command's start to the agent being active, and vmm4j's own step times.
#
#   benchmarks/provision-vs-virt-install.sh [--rounds N] [--out DIR]
#
# Needs root, a running libvirtd with the `default` network, virt-install (apt-get install virtinst),
# cloud-localds (cloud-image-utils), qemu-img, ssh, and examples/target/vmm4j
# (mvn -B -ntp package -DskipTests). The base image is `vmm4j images build debian-12` (built if absent).
# Guests run under TCG (libvirt domain type qemu) on hosts whose KVM cannot run a full OS.
# Writes runs.csv and summary.md into --out (default benchmarks/results/provision-vs-virt-install).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3
out=benchmarks/results/provision-vs-virt-install
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { echo "--rounds needs a positive number" >&2; exit 2; }; rounds=$2; shift ;;
    --out) [ $# -ge 2 ] || { echo "--out needs a directory" >&2; exit 2; }; out=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "provision-vs-virt-install: $*" >&2; }
die() { say "$*"; exit 1; }

launcher=examples/target/vmm4j
[ -x "$launcher" ] || die "no $launcher: build it first (mvn -B -ntp package -DskipTests)"
for p in virt-install cloud-localds qemu-img ssh ssh-keygen virsh; do
  command -v "$p" >/dev/null || die "no $p"
done

mkdir -p "$out"
work=$(mktemp -d)
chmod 755 "$work"
started_network=
if ! virsh net-info default 2>/dev/null | grep -q '^Active: *yes'; then
  virsh net-start default >/dev/null || die "cannot start libvirt's default network"
  started_network=1
fi
cleanup() {
  [ -z "$started_network" ] || virsh net-destroy default >/dev/null 2>&1 || true
  for d in $(virsh list --all --name | grep -E '^pvi-(vmm4j|virt)-' || true); do
    virsh destroy "$d" >/dev/null 2>&1 || true
    virsh undefine "$d" --nvram >/dev/null 2>&1 || virsh undefine "$d" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

image_info=$("$launcher" images build debian-12)
field() { awk -v k="$1" '$1 == k { print $2 }' <<<"$image_info"; }
disk=$(field disk)
kernel=$(field kernel)
initrd=$(field initrd)
cmdline=$(awk '$1 == "cmdline" { $1 = ""; sub(/^ /, ""); print }' <<<"$image_info")
[ -f "$disk" ] && [ -f "$kernel" ] && [ -f "$initrd" ] || die "vmm4j images build debian-12 gave no image: $image_info"
say "base image: $disk"
# libvirt's QEMU user cannot enter root's cache: the virt-install side boots copies (or hard links) in $work
mkdir -p "$work/base"
for f in disk kernel initrd; do
  src=${!f}
  ln "$src" "$work/base/$(basename "$src")" 2>/dev/null || cp "$src" "$work/base/"
  printf -v "$f" '%s' "$work/base/$(basename "$src")"
done
chmod 755 "$work/base"
chmod 644 "$work/base"/*

ssh-keygen -q -t ed25519 -N "" -C bench -f "$work/key"
agent_config=/etc/vmm4j-bench-agent.conf
agent_service=vmm4j-bench-agent
agent_install="printf '%s\n' '[Unit]' 'Description=stand-in agent' '[Service]' 'ExecStart=/bin/sh -c \"test -s $agent_config && exec sleep infinity\"' '[Install]' 'WantedBy=multi-user.target' | sudo tee /etc/systemd/system/$agent_service.service > /dev/null"

# --- one create with vmm4j provision: prints "seconds" to $work/result, the step times to $work/steps ---
create_vmm4j() {
  local name=$1 dir=$work/$1
  mkdir -p "$dir"
  chmod 755 "$dir"
  local start=$EPOCHREALTIME
  "$launcher" provision --name "$name" --built debian-12 --mem 1G --cpus 2 --accel tcg --network default \
    --user bench --ssh-key "$work/key.pub" --identity "$work/key" --dir "$dir" \
    --ip-timeout 600 --ssh-timeout 600 \
    --agent-server https://manager.example.invalid --agent-port 8443 --agent-https \
    --agent-config "$agent_config" --agent-service "$agent_service" \
    --agent-install "$agent_install" --agent-install "sudo systemctl daemon-reload" \
    >"$dir/provision.out" 2>"$dir/provision.err" || { cat "$dir/provision.err" >&2; die "vmm4j provision $name failed"; }
  local end=$EPOCHREALTIME
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f\n", b - a }' >"$work/result"
  cp "$dir/provision.out" "$work/steps"
}

# --- the same with virt-install --import + cloud-localds, then the address, SSH and the agent by hand ---
create_virt_install() {
  local name=$1 dir=$work/$1
  mkdir -p "$dir"
  chmod 755 "$dir"
  local start=$EPOCHREALTIME
  qemu-img create -q -f qcow2 -b "$disk" -F qcow2 "$dir/disk.qcow2" 20G
  cat >"$dir/user-data" <<EOF
#cloud-config
hostname: $name
users:
  - name: bench
    sudo: ALL=(ALL) NOPASSWD:ALL
    shell: /bin/bash
    ssh_authorized_keys:
      - $(cat "$work/key.pub")
EOF
  printf 'instance-id: %s\nlocal-hostname: %s\n' "$name" "$name" >"$dir/meta-data"
  cloud-localds "$dir/seed.iso" "$dir/user-data" "$dir/meta-data"
  virt-install --import --name "$name" --memory 1024 --vcpus 2 --virt-type qemu \
    --disk "path=$dir/disk.qcow2,format=qcow2,bus=virtio" --disk "path=$dir/seed.iso,device=cdrom" \
    --boot "kernel=$kernel,initrd=$initrd,kernel_args=$cmdline" --network network=default \
    --graphics none --noautoconsole --osinfo detect=on,require=off >"$dir/virt-install.out" 2>&1 ||
    { cat "$dir/virt-install.out" >&2; die "virt-install $name failed"; }
  local ip= deadline=$((SECONDS + 600))
  until [ -n "$ip" ]; do
    [ $SECONDS -lt $deadline ] || die "$name got no address in 600 s"
    sleep 1
    ip=$(virsh domifaddr "$name" --source lease 2>/dev/null | awk '/ipv4/ { sub(/\/.*/, "", $4); print $4; exit }')
  done
  local -a sshc=(ssh -q -i "$work/key" -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=no
    -o UserKnownHostsFile="$dir/known_hosts" "bench@$ip")
  until "${sshc[@]}" true 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || die "$name: no SSH in 600 s"
    sleep 1
  done
  "${sshc[@]}" "$agent_install" && "${sshc[@]}" sudo systemctl daemon-reload
  "${sshc[@]}" "printf 'server_url=https://manager.example.invalid\nserver_port=8443\nuse_https=true\n' | sudo tee $agent_config >/dev/null"
  "${sshc[@]}" sudo systemctl enable --now "$agent_service"
  "${sshc[@]}" systemctl is-active "$agent_service" | grep -qx active || die "$name: the agent is not active"
  local end=$EPOCHREALTIME
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f\n", b - a }' >"$work/result"
}

remove() {
  virsh destroy "$1" >/dev/null 2>&1 || true
  virsh undefine "$1" >/dev/null 2>&1 || true
}

csv=$out/runs.csv
echo "round,tool,seconds" >"$csv"
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2 == 1)); then order=(vmm4j virt); else order=(virt vmm4j); fi
  for tool in "${order[@]}"; do
    name=pvi-$tool-$r
    if [ "$tool" = vmm4j ]; then create_vmm4j "$name"; else create_virt_install "$name"; fi
    seconds=$(cat "$work/result")
    say "round $r $tool: $seconds s"
    echo "$r,$tool,$seconds" >>"$csv"
    [ "$tool" != vmm4j ] || cp "$work/steps" "$out/last-vmm4j-steps.txt"
    remove "$name"
  done
done

python3 - "$csv" >"$out/summary.md" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {t: [float(r["seconds"]) for r in rows if r["tool"] == t] for t in ("vmm4j", "virt")}
m = {t: statistics.median(v) for t, v in by.items()}
print(f"{len(by['vmm4j'])} creates each, alternating; median (min–max), seconds from the command to the agent active\n")
print("| vmm4j provision | virt-install --import + cloud-localds + ssh | vmm4j/virt-install |")
print("| ---: | ---: | ---: |")
print(f"| {m['vmm4j']:.1f} ({min(by['vmm4j']):.1f}–{max(by['vmm4j']):.1f}) "
      f"| {m['virt']:.1f} ({min(by['virt']):.1f}–{max(by['virt']):.1f}) | {m['vmm4j'] / m['virt']:.2f} |")
EOF
cat "$out/summary.md"
