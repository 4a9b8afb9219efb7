#!/usr/bin/env bash
# Soak: one agent measuring three peers every second for --minutes (default 10) on a namespace mesh, with a peer
# that dies and comes back and one that flaps; prints the agent's RSS every minute. Memory must stay flat.
# Usage: scripts/soak-agent.sh [minutes] [binary]   (root)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
bin=${2:-.build/release/mtu-doctor}
prefix=$("$bin" lab up mesh --nodes 4 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["prefix"])')
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; "$bin" lab down "$prefix" >/dev/null 2>&1 || true; }
trap cleanup EXIT
peers="n1=10.88.1.11,n2=10.88.1.12,n3=10.88.2.13,n4=10.88.2.14"
for i in 2 3 4; do ip netns exec "$prefix-n$i" "$bin" agent --node "n$i" --peers "$peers" --interval 1 --token soak >/dev/null 2>&1 & pids+=($!); done
ip netns exec "$prefix-n1" "$bin" agent --node n1 --peers "$peers" --interval 1 --token soak >/dev/null 2>&1 &
agent=$!; pids+=($agent)
echo "minute rss_kb rounds"
for minute in $(seq 1 "$minutes"); do
    # Faults: n4's agent dies for 20 s each odd minute; n3's link flaps for 10 s each even minute.
    if (( minute % 2 == 1 )); then kill -9 "${pids[2]}" 2>/dev/null || true; sleep 20
        ip netns exec "$prefix-n4" "$bin" agent --node n4 --peers "$peers" --interval 1 --token soak >/dev/null 2>&1 & pids[2]=$!; sleep 40
    else ip netns exec "$prefix-n3" ip link set eth0 down; sleep 10; ip netns exec "$prefix-n3" ip link set eth0 up; sleep 50; fi
    rounds=$(ip netns exec "$prefix-n1" python3 -c "import urllib.request,json;print(json.load(urllib.request.urlopen(urllib.request.Request('http://10.88.1.11:9464/results',headers={'Authorization':'Bearer soak'})))['rounds'])" 2>/dev/null || echo "?")
    echo "$minute $(awk '/VmRSS/ {print $2}' /proc/$agent/status) $rounds"
done
