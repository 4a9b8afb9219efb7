#!/usr/bin/env bash
# The image under the DaemonSet's own security context (deploy/mtu-doctor.yaml): its root filesystem unpacked from
# the OCI archive and mounted read-only, the binary run as uid/gid 65532 with only CAP_NET_RAW (ambient and in the
# bounding set), no new privileges, a writable /tmp only — inside a namespace lab whose wall the test knows: diagnose
# from the client namespace must reach the lab's conclusion. Root; everything it creates carries its own prefix and
# is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "test-image: needs root (network namespaces)" >&2; exit 1; }
archive=$(ls -t dist/mtu-doctor-*.oci.tar | head -1)
work=$(mktemp -d /tmp/mtu-doctor-image-XXXXXX)
prefix="mtud-img$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
cleanup() {
    [ -x "$work/rootfs/usr/local/bin/mtu-doctor" ] && "$work/rootfs/usr/local/bin/mtu-doctor" lab down "$prefix" >/dev/null 2>&1 || true
    umount "$work/ro" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
mkdir -p "$work/oci" "$work/rootfs" "$work/ro" "$work/tmp"
tar -xf "$archive" -C "$work/oci"
manifest=$(python3 -c "import json,sys; print(json.load(open('$work/oci/index.json'))['manifests'][0]['digest'].split(':')[1])")
for layer in $(python3 -c "import json; print(' '.join(l['digest'].split(':')[1] for l in json.load(open('$work/oci/blobs/sha256/$manifest'))['layers']))"); do
    tar -xf "$work/oci/blobs/sha256/$layer" -C "$work/rootfs"
done
binary="$work/ro/usr/local/bin/mtu-doctor"
mount --bind "$work/rootfs" "$work/ro" && mount -o remount,bind,ro "$work/ro"
touch "$work/ro/probe-write" 2>/dev/null && { echo "test-image: the root filesystem is writable" >&2; exit 1; }
chmod 1777 "$work/tmp"

"$binary" lab up blackhole --prefix "$prefix" --https --json > "$work/truth.json"
server=$(python3 -c "import json; print(json.load(open('$work/truth.json'))['server'])")
as_pod() {
    ip netns exec "$prefix-client" setpriv --reuid=65532 --regid=65532 --clear-groups --no-new-privs \
        --inh-caps=-all,+net_raw --ambient-caps=-all,+net_raw --bounding-set=-all,+net_raw -- env TMPDIR="$work/tmp" HOME=/nonexistent "$@"
}
failed=0
expect() { if [ "$2" = "$3" ]; then echo "ok    $1: $2"; else echo "FAIL  $1: $2 (expected $3)"; failed=$((failed + 1)); fi; }
expect "uid inside" "$(as_pod id -u)" 65532
expect "capabilities inside" "$(as_pod grep CapEff /proc/self/status | awk '{print $2}')" 0000000000002000
set +e
as_pod "$binary" diagnose "https://$server" --json --lab-only > "$work/diagnose.json" 2> "$work/diagnose.err"
status=$?
set -e
expect "diagnose exit" "$status" 1
expect "diagnose verdict" "$(python3 -c "import json; print(json.load(open('$work/diagnose.json')).get('verdict'))" 2>/dev/null)" blackhole
set +e
as_pod "$binary" probe "$server" --json --lab-only --no-wall > "$work/probe.json" 2> "$work/probe.err"
set -e
wall=$(python3 -c "import json; print(json.load(open('$work/truth.json'))['forwardPathMTU'])" 2>/dev/null || echo "?")
expect "probe forward path MTU (uid 65532, NET_RAW only)" "$(python3 -c "import json; print(json.load(open('$work/probe.json'))['forward']['pathMTU'])" 2>/dev/null)" "$wall"
[ "$failed" = 0 ] || { head -3 "$work/diagnose.err" "$work/probe.err" >&2; }
echo "$((5 - failed)) passed, $failed failed"
[ "$failed" = 0 ]
