#!/usr/bin/env bash
# Runs the release tarball in a minimal Debian root filesystem with no Swift installed (debootstrap --variant=minbase
# into .build-rootfs/, made once and kept): --version, calc, check on an example, capture analyze on a fixture,
# kube audit on saved objects. Prints each result and the time from tarball to first result.
set -euo pipefail
cd "$(dirname "$0")/.."
tarball=$(ls -t dist/mtu-doctor-*-linux-*.tar.gz | head -1)
root=.build-rootfs
if [ ! -x "$root/bin/sh" ]; then
    command -v debootstrap >/dev/null || { echo "test-release: debootstrap is not installed (Debian: debootstrap)" >&2; exit 1; }
    rm -rf "$root"
    start=$(date +%s)
    debootstrap --variant=minbase bookworm "$root" >/tmp/mtu-doctor-debootstrap.log 2>&1 \
        || { tail -5 /tmp/mtu-doctor-debootstrap.log >&2; echo "test-release: debootstrap failed" >&2; exit 1; }
    echo "minimal root filesystem: $(( $(date +%s) - start )) s, $(du -sm "$root" | cut -f1) MB" >&2
fi
if chroot "$root" sh -c 'command -v swift' >/dev/null 2>&1; then echo "test-release: the root filesystem has swift" >&2; exit 1; fi
# A container has /proc (the Swift runtime reads it); mounted for the run, unmounted whatever happens.
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
rm -rf "$root/opt/mtu-doctor" "$root/work" && mkdir -p "$root/opt/mtu-doctor" "$root/work"
cp -r examples "$root/work/"
cp Tests/MTUCaptureTests/Fixtures/tls-stall-server.pcap "$root/work/"
start=$(date +%s%N)
tar -C "$root/opt/mtu-doctor" --strip-components=1 -xzf "$tarball"
(cd "$root/opt/mtu-doctor" && sha256sum --quiet -c SHA256SUMS)
run() { chroot "$root" /opt/mtu-doctor/mtu-doctor "$@"; }
first=$(run --version)
echo "tarball to first result: $(( ($(date +%s%N) - start) / 1000000 )) ms ($first)"
failed=0
check() {
    local expected=$1; shift
    local output status
    output=$(chroot "$root" sh -c "cd /work && /opt/mtu-doctor/mtu-doctor $*" 2>&1) && status=0 || status=$?
    if [ "$status" = "$expected" ]; then echo "ok    mtu-doctor $* (exit $status): $(echo "$output" | head -1)"
    else echo "FAIL  mtu-doctor $* (exit $status, expected $expected): $(echo "$output" | head -3)"; failed=$((failed + 1)); fi
}
check 0 --version
check 0 calc --mtu 9001,aws-tgw --encap vxlan
check 1 check examples/nsx-geneve-firewall.yaml
check 1 capture analyze tls-stall-server.pcap
check 1 kube audit --from-file examples/kube/cilium-transit-gateway.yaml --node-mtu 9001 --underlay-mtu 8500
check 0 --help
# The terms travel with the binary: mtu-doctor's license and those of the Swift packages linked into it.
for file in LICENSE licenses/swift-nio-LICENSE.txt licenses/swift-nio-ssl-LICENSE.txt licenses/Yams-LICENSE; do
    if [ -s "$root/opt/mtu-doctor/$file" ]; then echo "ok    tarball has $file"; else echo "FAIL  tarball has no $file"; failed=$((failed + 1)); fi
done
echo "$((10 - failed)) passed, $failed failed"
[ "$failed" = 0 ]
