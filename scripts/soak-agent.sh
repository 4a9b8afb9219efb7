#!/usr/bin/env bash
# Soak: one agent measuring three peers every second for --minutes (default 10) on a namespace mesh, with a peer
# that dies and comes back and one that flaps; prints the agent's RSS and open descriptors every minute. Memory must
# stay flat. With SOAK_KUBE=1 the agent finds its peers through a stand-in Kubernetes API server (the tests' fixture)
# inside its namespace, which is down from minute SOAK_API_DOWN (3) to minute SOAK_API_UP (5): the agent must keep
# measuring the last list, say it is stale, and be fresh again once the API server is back.
# Usage: [SOAK_KUBE=1] scripts/soak-agent.sh [minutes] [binary]   (root)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
bin=${2:-.build/release/mtu-doctor}
prefix=$("$bin" lab up mesh --nodes 4 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["prefix"])')
pids=()
api=""
work=$(mktemp -d /tmp/mtud-soak.XXXXXX)
cleanup() {
    for pid in "${pids[@]}" $api; do kill -9 "$pid" 2>/dev/null || true; done
    "$bin" lab down "$prefix" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
peers="n1=10.88.1.11,n2=10.88.1.12,n3=10.88.2.13,n4=10.88.2.14"
for i in 2 3 4; do ip netns exec "$prefix-n$i" "$bin" agent --node "n$i" --peers "$peers" --interval 1 --token soak >/dev/null 2>&1 & pids+=($!); done
start_api() {  # [port]
    rm -f "$work/port"
    ip netns exec "$prefix-n1" python3 Tests/MTUKubeTests/Fixtures/apiserver.py --dir Tests/MTUKubeTests/Fixtures/mesh-lab \
        --cert "$work/s.crt" --key "$work/s.key" --client-ca "$work/ca.crt" --token soak --port-file "$work/port" --log /dev/null --port "${1:-0}" &
    api=$!
    for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
}
if [ "${SOAK_KUBE:-0}" = 1 ]; then
    (cd "$work" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=soak-ca -keyout ca.key -out ca.crt \
        && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=api -keyout s.key -out s.csr \
        && printf 'subjectAltName=IP:127.0.0.1\n' > ext && openssl x509 -req -in s.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile ext -out s.crt) 2>/dev/null
    start_api
    port=$(cat "$work/port")
    printf 'clusters: [{name: s, cluster: {server: "https://127.0.0.1:%s", certificate-authority: %s/ca.crt}}]\nusers: [{name: u, user: {token: soak}}]\ncontexts: [{name: s, context: {cluster: s, user: u, namespace: mtu-doctor}}]\ncurrent-context: s\n' "$port" "$work" > "$work/kubeconfig"
    ip netns exec "$prefix-n1" "$bin" agent --node n1 --kube-selector app.kubernetes.io/component=mtu-doctor-agent-pod --kubeconfig "$work/kubeconfig" \
        --api-timeout 1 --interval 1 --token soak >/dev/null 2>&1 &
else
    ip netns exec "$prefix-n1" "$bin" agent --node n1 --peers "$peers" --interval 1 --token soak >/dev/null 2>&1 &
fi
agent=$!; pids+=($agent)
echo "minute rss_kb fds rounds last_round_s peers discovery"
for minute in $(seq 1 "$minutes"); do
    # Faults: n4's agent dies for 20 s each odd minute; n3's link flaps for 10 s each even minute.
    if [ "${SOAK_KUBE:-0}" = 1 ] && (( minute == ${SOAK_API_DOWN:-3} )); then kill -9 "$api"; wait "$api" 2>/dev/null || true; api=""; fi
    if [ "${SOAK_KUBE:-0}" = 1 ] && (( minute == ${SOAK_API_UP:-5} )); then start_api "$port"; fi
    if (( minute % 2 == 1 )); then kill -9 "${pids[2]}" 2>/dev/null || true; sleep 20
        ip netns exec "$prefix-n4" "$bin" agent --node n4 --peers "$peers" --interval 1 --token soak >/dev/null 2>&1 & pids[2]=$!; sleep 40
    else ip netns exec "$prefix-n3" ip link set eth0 down; sleep 10; ip netns exec "$prefix-n3" ip link set eth0 up; sleep 50; fi
    state=$(ip netns exec "$prefix-n1" python3 -c "import urllib.request,json;r=json.load(urllib.request.urlopen(urllib.request.Request('http://10.88.1.11:9464/results',headers={'Authorization':'Bearer soak'})));d=r.get('discovery') or {};print(r['rounds'], round(r.get('lastRoundSeconds') or 0, 1), len(r['peers']), ('stale' if d.get('stale') else 'fresh') if d else '-')" 2>/dev/null || echo "? ? ? ?")
    echo "$minute $(awk '/VmRSS/ {print $2}' /proc/$agent/status) $(ls /proc/$agent/fd | wc -l) $state"
done
