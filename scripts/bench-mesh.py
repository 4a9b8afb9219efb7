#!/usr/bin/env python3
"""Benchmark a mesh of agents in namespaces: N hosts (default 40, N·(N−1) directed pairs) in two subnets behind a
router whose routes carry 1500 between 9000-byte subnets. Every agent probes every other at --pps on average.

Prints, side by side with ping (the anchor: one `ping -M do` per pair at the two boundary sizes, sequential, as a
script would do it): the first round's time (full DF searches), the steady rounds' time (known boundaries re-checked
with a few probes), probe packets per round and per second per agent, peak RSS per agent; then whether the
matrix is right, and the model extrapolated to 1,000 nodes. Needs root; creates and removes its own lab.
Usage: scripts/bench-mesh.py [--nodes 40] [--pps 100] [--binary .build/release/mtu-doctor] [--cap 400]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--nodes", type=int, default=40)
parser.add_argument("--pps", type=int, default=100)
parser.add_argument("--concurrency", type=int, default=4)
parser.add_argument("--binary", default=".build/release/mtu-doctor")
parser.add_argument("--cap", type=int, default=400, help="seconds to wait for two rounds")
args = parser.parse_args()
if os.geteuid() != 0:
    sys.exit("bench-mesh: needs root (it builds network-namespace labs)")
binary = os.path.abspath(args.binary)

truth = json.loads(subprocess.run([binary, "lab", "up", "mesh", "--nodes", str(args.nodes), "--json"], check=True, capture_output=True, text=True).stdout)
prefix = truth["prefix"]
hosts = {f"n{i}": f"10.88.{1 if i <= (args.nodes + 1) // 2 else 2}.{10 + i}" for i in range(1, args.nodes + 1)}
peers = ",".join(f"{name}={address}" for name, address in hosts.items())
agents = {}
try:
    start = time.time()
    for name in hosts:
        agents[name] = subprocess.Popen(
            ["ip", "netns", "exec", f"{prefix}-{name}", binary, "agent", "--node", name, "--peers", peers, "--interval", "20",
             "--pps", str(args.pps), "--concurrency", str(args.concurrency), "--token", "bench", "--stale-after", "600"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def results(name):
        script = ("import urllib.request,sys;print(urllib.request.urlopen(urllib.request.Request("
                  "sys.argv[1],headers={'Authorization':'Bearer bench'}),timeout=5).read().decode())")
        out = subprocess.run(["ip", "netns", "exec", f"{prefix}-n1", "python3", "-c", script, f"http://{hosts[name]}:9464/results"],
                             capture_output=True, text=True)
        return json.loads(out.stdout) if out.returncode == 0 else None

    first_rounds, steady_rounds = {}, {}
    while time.time() - start < args.cap:
        time.sleep(5)
        done = 0
        for name in hosts:
            snapshot = results(name)
            if not snapshot:
                continue
            if snapshot["rounds"] >= 1 and name not in first_rounds:
                first_rounds[name] = snapshot["lastRoundSeconds"]
            if snapshot["rounds"] >= 2:
                steady_rounds[name] = snapshot["lastRoundSeconds"]
                done += 1
        if done == len(hosts):
            break
    # Probe packets per round: the counter after two rounds, and the steady share from one agent's results.
    snapshots = {name: results(name) for name in hosts}
    wrong = 0
    probes_steady = []
    for name, snapshot in snapshots.items():
        if not snapshot:
            continue
        same_side = hosts[name].split(".")[2]
        steady = 0
        for status in snapshot["peers"]:
            latest = status.get("latest") or {}
            expected = 9000 if status["peer"]["address"].split(".")[2] == same_side else 1500
            if (latest.get("forward") or {}).get("pathMTU") != expected or (latest.get("reverse") or {}).get("pathMTU") != expected:
                wrong += 1
            steady += latest.get("probesSent", 0)
        probes_steady.append(steady)
    rss = []
    for name, process in agents.items():
        try:
            with open(f"/proc/{process.pid}/status") as f:
                rss += [int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM")]
        except OSError:
            pass

    # The anchor: a ping script checking each pair at the two sizes around the boundary, sequentially, from one host.
    ping_start = time.time()
    ping_probes = 0
    for name, address in list(hosts.items())[1:]:
        for size in (1472, 1473):
            subprocess.run(["ip", "netns", "exec", f"{prefix}-n1", "ping", "-c", "1", "-W", "1", "-M", "do", "-s", str(size), address],
                           capture_output=True)
            ping_probes += 1
    ping_seconds = time.time() - ping_start
finally:
    for process in agents.values():
        process.send_signal(signal.SIGKILL)
        process.wait()
    subprocess.run([binary, "lab", "down", prefix], capture_output=True)

pairs = args.nodes * (args.nodes - 1)
first = max(first_rounds.values()) if first_rounds else float("nan")
steady = max(steady_rounds.values()) if steady_rounds else float("nan")
steady_probes = sum(probes_steady) / max(1, len(probes_steady))
print(f"\nmesh of {args.nodes} agents, {pairs} directed pairs, --pps {args.pps}, --concurrency {args.concurrency}\n")
print(f"{'':44} {'seconds':>8}  notes")
print(f"{'mtu-doctor agents, first round (searches)':44} {first:8.1f}  slowest agent; {len(first_rounds)} of {args.nodes} finished")
print(f"{'mtu-doctor agents, steady round (re-checks)':44} {steady:8.1f}  slowest agent; ~{steady_probes:.0f} probe packets per agent per round")
print(f"{'ping -M do script from one host (2 sizes/peer)':44} {ping_seconds:8.1f}  {ping_probes} pings, one direction, {args.nodes - 1} pairs only")
print(f"\npeak RSS per agent: max {max(rss) if rss else float('nan'):.1f} MB, mean {sum(rss) / max(1, len(rss)):.1f} MB")
print(f"wrong pairs in the final matrix: {wrong} of {2 * pairs} directed measurements")
peers_1000 = 999
per_peer = steady / max(1, args.nodes - 1) * args.concurrency
print(f"\nmodel for 1,000 nodes: a steady round re-checks {peers_1000} peers at ~{steady_probes / max(1, args.nodes - 1):.0f} packets each "
      f"= {peers_1000 * steady_probes / max(1, args.nodes - 1):.0f} packets per agent per round; at --pps {args.pps} that is "
      f"{peers_1000 * steady_probes / max(1, args.nodes - 1) / args.pps:.0f} s per round (latency-bound estimate: {peers_1000 * per_peer / args.concurrency:.0f} s)")
if wrong:
    sys.exit("bench-mesh: the matrix has wrong pairs")
