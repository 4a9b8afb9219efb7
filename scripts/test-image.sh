#!/usr/bin/env bash
# The image under the DaemonSet's own security context (deploy/mtu-doctor.yaml), started the way a container runtime
# (runc, for Kubernetes) starts it: the root filesystem unpacked from the OCI archive (file capabilities kept),
# mounted read-only and entered with chroot — so the tool runs with the image's own `ip`, tcpdump and libraries, never
# the host's — with /proc, /dev, /sys and a writable /tmp (an emptyDir) mounted in; uid/gid 65532; the added
# capabilities in the bounding and permitted sets before exec, none ambient (Kubernetes has no ambient capabilities:
# kubernetes/kubernetes#56374); no new privileges. So CAP_NET_RAW reaches the process only through the binary's own
# permitted-only file capability, as in a cluster. Inside a namespace lab whose wall the test knows:
#   - the client namespace with ping_group_range "1 0" (a node that never widened it): diagnose and probe need the
#     raw socket and must reach the lab's conclusion, with the host facts read by the image's `ip`;
#   - two agents (client and server) measure the hidden wall between them; the running agent's credentials are read;
#   - the --node pod (`kube diagnose --node`): root with only NET_RAW, NET_ADMIN, SETUID and SETGID, `diagnose
#     --capture` with the image's tcpdump;
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
# The mount points a runtime creates before it makes the root read-only.
mkdir -p "$work/rootfs/proc" "$work/rootfs/dev" "$work/rootfs/sys" "$work/rootfs/run/netns"
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
# as_container NAMESPACE CAPS USER COMMAND...: CAPS "net_raw" (the DaemonSet's capabilities.add), "node" (NET_RAW,
# NET_ADMIN, SETUID, SETGID: the --node pod, RemoteDiagnosis.securityContext) or "none"; USER 65532 or 0. COMMAND is a path inside the image. The mounts are made in
# the mount namespace `ip netns exec` creates for this one command (its /sys is the lab namespace's), so they vanish
# with it.
as_container() {
    local namespace=$1 caps=$2 user=$3 drop=$all keep=""
    shift 3
    case $caps in
        net_raw) drop=$(echo "$all" | tr , '\n' | grep -vx cap_net_raw | paste -sd,); keep=cap_net_raw+p ;;
        node) drop=$(echo "$all" | tr , '\n' | grep -vx -e cap_net_raw -e cap_net_admin -e cap_setuid -e cap_setgid | paste -sd,) ;;
    esac
    local become="--keep=1 --groups= --gid=$user --uid=$user --caps=$keep"
    [ "$user" = 0 ] && become=""
    ip netns exec "$namespace" sh -c 'root=$1 tmp=$2; shift 2
        mount --rbind /proc "$root/proc" && mount --rbind /dev "$root/dev" && mount --rbind /sys "$root/sys" &&
        mount --rbind /run/netns "$root/run/netns" && mount --bind "$tmp" "$root/tmp" && exec "$@"' sh "$work/ro" "$work/tmp" \
        env -i PATH=/usr/local/bin:/usr/sbin:/usr/bin TMPDIR=/tmp HOME=/nonexistent MTU_DOCTOR_TOKEN=image-test \
        "$capsh" --chroot="$work/ro" --drop="$drop" $become --noamb --no-new-privs --shell="$1" -- "${@:2}"
}
as_pod() { local namespace=$1 caps=$2; shift 2; as_container "$namespace" "$caps" 65532 "$@"; }
# The archive loads the way `podman load` loads it (buildah uses the same containers/image library): user and
# entrypoint as the manifests expect.
loaded=$(buildah from --quiet "oci-archive:$archive" 2>/dev/null) || loaded=""
if [ -n "$loaded" ]; then
    config=$(buildah inspect --type container --format '{{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}}' "$loaded")
    image=$(buildah inspect --type container --format '{{.FromImageID}}' "$loaded")
    buildah rm "$loaded" >/dev/null
    buildah rmi "$image" >/dev/null 2>&1 || true
fi
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)" 2>/dev/null || echo "?"; }
failed=0
passed=0
expect() { if [ "$2" = "$3" ]; then echo "ok    $1: $2"; passed=$((passed + 1)); else echo "FAIL  $1: $2 (expected $3)"; failed=$((failed + 1)); fi; }
expect "loaded from the OCI archive: user and entrypoint" "${config:-not loaded}" "65532:65532 [/usr/local/bin/mtu-doctor]"
expect "file capability" "$(getcap "$binary" | awk '{print $2}')" cap_net_raw=p

set +e
as_pod "$prefix-client" net_raw /usr/local/bin/mtu-doctor diagnose "https://$server" --json --lab-only > "$work/diagnose.json" 2> "$work/diagnose.err"
expect "diagnose exit (uid 65532, NET_RAW by file capability, ping_group_range 1 0)" "$?" 1
expect "diagnose verdict" "$(json "$work/diagnose.json" "d.get('verdict')")" blackhole
expect "host facts by the image's ip (route interface)" "$(json "$work/diagnose.json" "d['evidence']['host']['interface']")" "$(ip netns exec "$prefix-client" ip -o route get "$server" | sed 's/.* dev \([^ ]*\).*/\1/')"
as_pod "$prefix-client" net_raw /usr/local/bin/mtu-doctor probe "$server" --json --lab-only --no-wall > "$work/probe.json" 2> "$work/probe.err"
expect "probe forward path MTU (raw socket)" "$(json "$work/probe.json" "d['forward']['pathMTU']")" "$wall"

# Two agents, the pod-network way: each measures the other; the client's sees the hidden wall toward the server.
pids=()
for side in client server; do
    peer=$([ $side = client ] && echo "server=$server" || echo "client=$client")
    as_pod "$prefix-$side" net_raw /usr/local/bin/mtu-doctor agent --node "$prefix-$side" --peers "$peer" --interval 3 --duration 40 --listen 9464 > "$work/agent-$side.log" 2>&1 &
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
agent=$(pgrep -f -- "agent --node $prefix-client" | head -1)
status_of() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$agent/status" 2>/dev/null; }
expect "running agent's uid" "$(status_of Uid)" 65532
expect "running agent's effective capabilities (NET_RAW, raised from the file capability)" "$(status_of CapEff)" 0000000000002000
expect "running agent's ambient capabilities" "$(status_of CapAmb)" 0000000000000000
agents=$(pgrep -f -- "agent --node $prefix-" || true)
[ -n "$agents" ] && kill -9 $agents 2>/dev/null
wait "${pids[@]}" 2>/dev/null

# The --node pod: root with only NET_RAW, NET_ADMIN, SETUID and SETGID, the image's tcpdump recording the probes.
as_container "$prefix-client" node 0 /usr/local/bin/mtu-doctor diagnose "https://$server" --capture --json --lab-only > "$work/node.json" 2> "$work/node.err"
expect "node pod: diagnose --capture verdict" "$(json "$work/node.json" "d.get('verdict')")" blackhole
expect "node pod: the image's tcpdump recorded packets that were read" "$(json "$work/node.json" "[s['outcome'] + (' packets' if s['detail'].split()[0].isdigit() and int(s['detail'].split()[0]) > 0 else ' none') for s in d['evidence']['steps'] if s['name'] == 'Capture']")" "['info packets']"

# Without NET_RAW (Pod Security "restricted"): the binary starts; probes need ICMP datagram sockets.
as_pod "$prefix-client" none /usr/local/bin/mtu-doctor calc --mtu 1500 --encap vxlan > "$work/calc.txt" 2>&1
expect "calc without NET_RAW exit" "$?" 0
as_pod "$prefix-client" none /usr/local/bin/mtu-doctor probe "$server" --lab-only --no-wall > "$work/none.txt" 2>&1
expect "probe without NET_RAW or datagram sockets exit (77: no privilege)" "$?" 77
expect "… says why" "$(grep -c 'no way to send ICMP here' "$work/none.txt")" 1
ip netns exec "$prefix-client" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
as_pod "$prefix-client" none /usr/local/bin/mtu-doctor probe "$server" --json --lab-only --no-wall > "$work/dgram.json" 2> "$work/dgram.err"
expect "probe without NET_RAW, ping_group_range widened (datagram sockets)" "$(json "$work/dgram.json" "d['forward']['pathMTU']")" "$wall"
set -e
[ "$failed" = 0 ] || { head -3 "$work/diagnose.err" "$work/probe.err" "$work/dgram.err" "$work/node.err" "$work"/agent-*.log >&2; }
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
