#!/usr/bin/env bash
# Benchmark `mtu-doctor check`: a generated 10,000-node / 1,000-flow topology (target < 1 s) and one example
# (target < 50 ms, process start to exit). Prints the figures; asserts nothing.
# Usage: scripts/bench-check.sh [NODES] [FLOWS]
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-10000}
flows=${2:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build -c release --product mtu-doctor >/dev/null
bin=.build/release/mtu-doctor
python3 scripts/gen-topology.py --nodes "$nodes" --flows "$flows" > "$work/big.yaml"
count=$(grep -c '^  - name: ' "$work/big.yaml" || true)
printf 'generated topology: %s nodes, %s flows, %s lines\n' "$count" "$flows" "$(wc -l < "$work/big.yaml")"

time_runs() {  # label, runs, command…
    local label=$1 runs=$2; shift 2
    python3 - "$label" "$runs" "$@" <<'PY'
import subprocess, sys, time, statistics
label, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
samples = []
for _ in range(runs):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    samples.append(time.perf_counter() - start)
    if proc.returncode not in (0, 1):
        sys.exit(f"{label}: exit {proc.returncode}: {proc.stderr.decode()}")
print(f"{label:<44} median {statistics.median(samples) * 1000:8.1f} ms   min {min(samples) * 1000:8.1f} ms   ({runs} runs)")
PY
}

echo
echo "check                                         time (target)"
time_runs "check generated ($count nodes, $flows flows)" 5 "$bin" check "$work/big.yaml"
echo "                                              target: < 1000 ms"
time_runs "check examples/nsx-geneve-firewall.yaml" 20 "$bin" check examples/nsx-geneve-firewall.yaml
echo "                                              target: < 50 ms"
time_runs "calc --mtu 9001 --encap vxlan" 20 "$bin" calc --mtu 9001 --encap vxlan
/usr/bin/time -f "peak RSS on the generated topology: %M KiB" sh -c '"$0" check "$1" >/dev/null; exit 0' "$bin" "$work/big.yaml"
