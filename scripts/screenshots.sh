#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png (and the HTML they show) from real runs: check on the NSX example, capture on
# the black-hole fixture, kube audit on the saved Cilium objects, and diagnose/probe on a black-hole lab (root: it builds and removes the lab).
# Usage: scripts/screenshots.sh [binary]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug/mtu-doctor}
out=docs/screenshots
mkdir -p "$out"
profile=$(mktemp -d /tmp/mtud-shots.XXXXXX)
prefix=""
cleanup() { [ -n "$prefix" ] && "$bin" lab down "$prefix" >/dev/null 2>&1 || true; rm -rf "$profile"; }
trap cleanup EXIT

shot() {  # html png height
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
        --proxy-server=127.0.0.1:9 --window-size=1280,"$3" --screenshot="$2" "file://$PWD/$1" 2>/dev/null
}

"$bin" check examples/nsx-geneve-firewall.yaml --format html -o "$out/check.html" || true
"$bin" capture analyze Tests/MTUCaptureTests/Fixtures/tls-stall-server.pcap --format html -o "$out/capture.html" || true
"$bin" kube audit --from-file examples/kube/cilium-transit-gateway.yaml --node-mtu 9001 --underlay-mtu 8500 --format html -o "$out/kube-audit.html" || true
prefix=$("$bin" lab up blackhole --https --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["prefix"])')
ip netns exec "$prefix-client" "$bin" diagnose https://10.77.3.2 --lab-only --topology examples/lab-blackhole.yaml --format html -o "$out/diagnose.html" || true
ip netns exec "$prefix-client" "$bin" probe 10.77.3.2 --lab-only --format html -o "$out/probe.html" || true
"$bin" lab down "$prefix" >/dev/null
# The mesh: four agents on a namespace mesh, gathered by kube mesh (the heat map).
prefix=$("$bin" lab up mesh --nodes 4 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["prefix"])')
peers="n1=10.88.1.11,n2=10.88.1.12,n3=10.88.2.13,n4=10.88.2.14"
for i in 1 2 3 4; do ip netns exec "$prefix-n$i" "$bin" agent --node "n$i" --peers "$peers" --interval 3 --token shots --duration 12 >/dev/null 2>&1 & done
sleep 8
ip netns exec "$prefix-n1" "$bin" kube mesh --peers 10.88.1.11,10.88.1.12,10.88.2.13,10.88.2.14 --token shots --format html -o "$out/mesh.html" || true
wait
for kind in diagnose probe check capture mesh kube-audit; do
    shot "$out/$kind.html" "$out/$kind.png" 2200
    echo "$out/$kind.png"
done
