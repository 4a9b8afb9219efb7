#!/usr/bin/env bash
# The image under the DaemonSet's own security context (deploy/mtu-doctor.yaml): its root filesystem unpacked from
# the OCI archive (file capabilities kept) and mounted read-only, the binary started the way a container runtime
# starts a non-root container (runc for Kubernetes): uid/gid 65532, the added capabilities in the bounding and
# permitted sets before exec, none ambient (Kubernetes has no ambient capabilities: kubernetes/kubernetes#56374), no
# new privileges, a writable /tmp only. So CAP_NET_RAW reaches the process only through the binary's own
# permitted-only file capability, as in a cluster. Inside a namespace lab whose wall the test knows:
#   - the client namespace with ping_group_range "1 0" (a node that never widened it: host-network agents, --node):
#     diagnose and probe need the raw socket and must reach the lab's conclusion;
#   - two agents (client and server, the pod-network way) measure the hidden wall between them;
#   - without NET_RAW at all (a Pod Security "restricted" namespace): the binary still starts (calc), a probe with
#     widened ping_group_range measures through ICMP datagram sockets, and without it says why in one line.
# Root; everything it creates carries its own prefix and is removed at the end.
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
    tar --xattrs --xattrs-include="security.capability" -xf "$work/oci/blobs/sha256/$layer" -C "$work/rootfs"
done
binary="$work/ro/usr/local/bin/mtu-doctor"
mount --bind "$work/rootfs" "$work/ro" && mount -o remount,bind,ro "$work/ro"
touch "$work/ro/probe-write" 2>/dev/null && { echo "test-image: the root filesystem is writable" >&2; exit 1; }
chmod 1777 "$work/tmp"

"$binary" lab up blackhole --prefix "$prefix" --https --json > "$work/truth.json"
truth() { python3 -c "import json; print(json.load(open('$work/truth.json'))$1)"; }
server=$(truth "['server']")
client=$(truth "['client']")
wall=$(truth "['forwardPathMTU']")
# A node that never widened ICMP datagram sockets: only a raw socket (CAP_NET_RAW) can probe.
ip netns exec "$prefix-client" sysctl -qw net.ipv4.ping_group_range="1 0"
capsh=$(command -v capsh)
all=$("$capsh" --decode="$(printf '%x' $(( (1 << 41) - 1 )))" | cut -d= -f2)
# as_pod NAMESPACE CAPS COMMAND...: CAPS is "net_raw" (the DaemonSet's capabilities.add) or "none".
as_pod() {
    local namespace=$1 caps=$2 drop=$all keep=""
    shift 2
    if [ "$caps" = net_raw ]; then drop=$(echo "$all" | tr , '\n' | grep -vx cap_net_raw | paste -sd,); keep=cap_net_raw+p; fi
    ip netns exec "$namespace" env -i PATH=/usr/bin:/bin TMPDIR="$work/tmp" HOME=/nonexistent MTU_DOCTOR_TOKEN=image-test \
        "$capsh" --drop="$drop" --keep=1 --groups= --gid=65532 --uid=65532 --caps="$keep" --noamb --no-new-privs --shell="$1" -- "${@:2}"
}
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)" 2>/dev/null || echo "?"; }
failed=0
passed=0
expect() { if [ "$2" = "$3" ]; then echo "ok    $1: $2"; passed=$((passed + 1)); else echo "FAIL  $1: $2 (expected $3)"; failed=$((failed + 1)); fi; }
expect "file capability" "$(getcap "$binary" | awk '{print $2}')" cap_net_raw=p
expect "uid inside" "$(as_pod "$prefix-client" net_raw /usr/bin/id -u)" 65532
expect "no capabilities before exec (none ambient, none inheritable)" "$(as_pod "$prefix-client" net_raw /usr/bin/grep -h CapAmb /proc/self/status | awk '{print $2}')" 0000000000000000

set +e
as_pod "$prefix-client" net_raw "$binary" diagnose "https://$server" --json --lab-only > "$work/diagnose.json" 2> "$work/diagnose.err"
expect "diagnose exit (uid 65532, NET_RAW by file capability, ping_group_range 1 0)" "$?" 1
expect "diagnose verdict" "$(json "$work/diagnose.json" "d.get('verdict')")" blackhole
as_pod "$prefix-client" net_raw "$binary" probe "$server" --json --lab-only --no-wall > "$work/probe.json" 2> "$work/probe.err"
expect "probe forward path MTU (raw socket)" "$(json "$work/probe.json" "d['forward']['pathMTU']")" "$wall"

# Two agents, the pod-network way: each measures the other; the client's sees the hidden wall toward the server.
pids=()
for side in client server; do
    peer=$([ $side = client ] && echo "server=$server" || echo "client=$client")
    as_pod "$prefix-$side" net_raw "$binary" agent --node "$side" --peers "$peer" --interval 3 --duration 40 --listen 9464 > "$work/agent-$side.log" 2>&1 &
    pids+=($!)
done
result="?"
for _ in $(seq 1 30); do
    sleep 1
    ip netns exec "$prefix-client" python3 - "$client" > "$work/results.json" 2>/dev/null <<'PY' || continue
import sys, urllib.request
request = urllib.request.Request(f"http://{sys.argv[1]}:9464/results", headers={"Authorization": "Bearer image-test"})
print(urllib.request.urlopen(request, timeout=2).read().decode())
PY
    result=$(json "$work/results.json" "[p['latest']['forward']['pathMTU'] for p in d['peers'] if p.get('latest')][0]")
    [ "$result" != "?" ] && break
done
expect "agent (uid 65532, read-only root) client → server path MTU" "$result" "$wall"
kill -9 "${pids[@]}" 2>/dev/null
wait "${pids[@]}" 2>/dev/null

# Without NET_RAW (Pod Security "restricted"): the binary starts; probes need ICMP datagram sockets.
as_pod "$prefix-client" none "$binary" calc --mtu 1500 --encap vxlan > "$work/calc.txt" 2>&1
expect "calc without NET_RAW exit" "$?" 0
as_pod "$prefix-client" none "$binary" probe "$server" --lab-only --no-wall > "$work/none.txt" 2>&1
expect "probe without NET_RAW or datagram sockets exit (77: no privilege)" "$?" 77
expect "… says why" "$(grep -c 'no way to send ICMP here' "$work/none.txt")" 1
ip netns exec "$prefix-client" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
as_pod "$prefix-client" none "$binary" probe "$server" --json --lab-only --no-wall > "$work/dgram.json" 2> "$work/dgram.err"
expect "probe without NET_RAW, ping_group_range widened (datagram sockets)" "$(json "$work/dgram.json" "d['forward']['pathMTU']")" "$wall"
set -e
[ "$failed" = 0 ] || { head -3 "$work/diagnose.err" "$work/probe.err" "$work/dgram.err" "$work"/agent-*.log >&2; }
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
