#!/usr/bin/env python3
"""Benchmark `mtu-doctor probe` against the anchor tools on the same namespace-lab paths, in one run.

For each lab path (svi: PTB returned; svi-rpf: PTB eaten by strict rp_filter; blackhole: PTB never sent) it
measures wall time, probes sent and the answer of:
  - mtu-doctor probe (forward search + wall location, 1 s probe timeout)
  - a `ping -M do` bisection by hand (1 s timeout per probe), as an engineer would do it
  - tracepath -n
  - scamper -c "trace -M"
and prints them side by side with the lab's ground truth. Needs root; creates and removes its own labs.
Usage: scripts/bench-probe.py [--wall 1500] [--binary .build/release/mtu-doctor] [--cap 120]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--wall", type=int, default=1500)
parser.add_argument("--binary", default=".build/release/mtu-doctor")
parser.add_argument("--cap", type=int, default=120, help="seconds before an anchor tool is stopped")
parser.add_argument("--scenarios", default="svi,svi-rpf,blackhole")
args = parser.parse_args()
if os.geteuid() != 0:
    sys.exit("bench-probe: needs root (it builds network-namespace labs)")


def run(command, cap):
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=cap)
        return proc.returncode, proc.stdout + proc.stderr, time.perf_counter() - start, False
    except subprocess.TimeoutExpired as expired:
        out = (expired.stdout or b"").decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        return None, out, time.perf_counter() - start, True


def in_lab(namespace, command):
    assert namespace.startswith("mtud-"), "probes run only inside lab namespaces"
    return ["ip", "netns", "exec", namespace] + command


def ping_bisection(namespace, target, high):
    low, high_fail, probes = 68, high + 1, 0
    # The largest passing size is in [low, high_fail); probe the top first, as an engineer would.
    start = time.perf_counter()
    candidates = [high]
    while high_fail - low > 1:
        size = candidates.pop() if candidates else (low + high_fail) // 2
        code, _, _, _ = run(in_lab(namespace, ["ping", "-n", "-c", "1", "-W", "1", "-M", "do", "-s", str(size - 28), target]), 5)
        probes += 1
        if code == 0:
            low = size
        else:
            high_fail = size
    return low, probes, time.perf_counter() - start


results = []
for scenario in args.scenarios.split(","):
    up = subprocess.run([args.binary, "lab", "up", scenario, "--wall", str(args.wall), "--json"], capture_output=True, text=True)
    if up.returncode != 0:
        sys.exit(f"lab up {scenario}: {up.stderr}")
    truth = json.loads(up.stdout)
    client, target = truth["namespaces"]["client"], truth["server"]
    try:
        code, out, seconds, _ = run(in_lab(client, [args.binary, "probe", target, "--json", "--lab-only"]), args.cap)
        report = json.loads(out[out.index("{"):]) if "{" in out else {}
        forward = report.get("forward", {})
        results.append((scenario, "mtu-doctor probe", forward.get("pathMTU"), forward.get("verdict"), report.get("probesSent"), seconds))

        mtu, probes, seconds = ping_bisection(client, target, 9000)
        results.append((scenario, "ping -M do bisection", mtu, "", probes, seconds))

        code, out, seconds, capped = run(in_lab(client, ["tracepath", "-n", target]), args.cap)
        match = re.search(r"pmtu (\d+)", out)
        results.append((scenario, "tracepath -n", int(match.group(1)) if match else None, "stopped at cap" if capped else "", None, seconds))

        code, out, seconds, capped = run(in_lab(client, ["scamper", "-c", "trace -M", "-i", target]), args.cap)
        mtus = [int(m) for m in re.findall(r"\[mtu: (\d+)\]", out)]
        results.append((scenario, "scamper trace -M", min(mtus) if mtus else None, "stopped at cap" if capped else "", None, seconds))
        results.append((scenario, "ground truth", truth["forwardPathMTU"], truth["forwardVerdict"], None, None))
    finally:
        subprocess.run([args.binary, "lab", "down", truth["prefix"]], capture_output=True)

print(f"\nForward path MTU on lab paths with a {args.wall}-byte wall (probe timeout 1 s)\n")
print(f"{'path':<10} {'tool':<22} {'path MTU':>9} {'verdict':<16} {'probes':>7} {'seconds':>8}")
for scenario, tool, mtu, verdict, probes, seconds in results:
    print(f"{scenario:<10} {tool:<22} {str(mtu if mtu is not None else '—'):>9} {verdict or '':<16} {str(probes if probes is not None else ''):>7} "
          f"{'' if seconds is None else f'{seconds:8.2f}'}")
