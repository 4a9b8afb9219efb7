#!/usr/bin/env python3
"""Benchmark `mtu-doctor capture analyze` against tshark and tcpdump on the same large capture, in one run.

Generates (once) a capture with scripts/gen-capture.py — ≥ 1 GB of 1500-MTU traffic with planted stalls and PTBs —
then runs, one after the other, with the page cache warm for all three:
  - mtu-doctor capture analyze FILE --json
  - tshark -r FILE -Y "tcp.analysis.retransmission || icmp.type==3"
  - tcpdump -r FILE -nn
and prints wall time, throughput (MB/s) and peak RSS side by side, plus whether mtu-doctor found every planted stall
and PTB. Needs tshark and tcpdump (Debian packages) and a release build.
Usage: scripts/bench-capture.py [--file /var/tmp/mtud-bench.pcap] [--size-mb 1100] [--binary .build/release/mtu-doctor]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--file", default="/var/tmp/mtud-bench.pcap")
parser.add_argument("--size-mb", type=int, default=1100)
parser.add_argument("--binary", default=".build/release/mtu-doctor")
parser.add_argument("--gzip", action="store_true", help="also time mtu-doctor on a gzip-compressed copy")
args = parser.parse_args()

for tool in ("tshark", "tcpdump"):
    if not shutil.which(tool):
        sys.exit(f"bench-capture: {tool} is not installed (apt-get install {tool})")
if not os.path.exists(args.binary):
    sys.exit(f"bench-capture: {args.binary} not found (swift build -c release)")

here = os.path.dirname(os.path.abspath(__file__))
planted = None
if not os.path.exists(args.file) or os.path.getsize(args.file) < args.size_mb * 1_000_000 * 0.99:
    line = subprocess.run([sys.executable, f"{here}/gen-capture.py", args.file, "--size-mb", str(args.size_mb)],
                          check=True, capture_output=True, text=True).stdout.strip()
    print(line)
    with open(args.file + ".planted", "w") as f:
        f.write(line)
with open(args.file + ".planted") as f:
    line = f.read()
match = re.search(r"(\d+) planted stalls, (\d+) planted PTBs", line)
planted = (int(match.group(1)), int(match.group(2))) if match else None
size = os.path.getsize(args.file)


def measure(command):
    """Wall time and peak RSS (kB) of one command, its output discarded (or kept when asked)."""
    with open("/var/tmp/mtud-bench.out", "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


# Warm the page cache so no tool pays for the disk.
with open(args.file, "rb") as f:
    while f.read(1 << 24):
        pass

rows = []
elapsed, rss, code = measure([args.binary, "capture", "analyze", args.file, "--json"])
with open("/var/tmp/mtud-bench.out") as f:
    report = json.load(f)
kinds = [finding["kind"] for finding in report["findings"]]
found = (kinds.count("stalled-segment"), kinds.count("ptb-seen"))
rows.append(("mtu-doctor capture analyze", elapsed, rss, f"exit {code}; {found[0]} stalls, {found[1]} PTBs found"))
if args.gzip:
    compressed = args.file + ".gz"
    if not os.path.exists(compressed):
        subprocess.run(f"gzip -1 -c {args.file} > {compressed}", shell=True, check=True)
    elapsed_gz, rss_gz, code_gz = measure([args.binary, "capture", "analyze", compressed, "--json"])
    rows.append(("mtu-doctor (gzip input)", elapsed_gz, rss_gz, f"exit {code_gz}; {os.path.getsize(compressed) / 1e6:.0f} MB compressed"))
elapsed, rss, code = measure(["tshark", "-r", args.file, "-Y", "tcp.analysis.retransmission || icmp.type==3"])
with open("/var/tmp/mtud-bench.out", "rb") as f:
    lines = sum(1 for _ in f)
rows.append(('tshark -Y "tcp.analysis.retransmission || icmp.type==3"', elapsed, rss, f"exit {code}; {lines} lines"))
elapsed, rss, code = measure(["tcpdump", "-r", args.file, "-nn"])
rows.append(("tcpdump -r -nn", elapsed, rss, f"exit {code}"))
os.remove("/var/tmp/mtud-bench.out")

print(f"\ncapture: {args.file}, {size / 1e6:.0f} MB, {report['packets']} packets; planted: {planted[0]} stalls, {planted[1]} PTBs\n")
print(f"{'tool':58} {'seconds':>8} {'MB/s':>8} {'peak RSS':>10}  notes")
for name, elapsed, rss, note in rows:
    print(f"{name:58} {elapsed:8.2f} {size / 1e6 / elapsed:8.0f} {rss / 1024:8.0f} MB  {note}")
ours = rows[0][1]
print(f"\nmtu-doctor is {rows[-2][1] / ours:.1f}× tshark's throughput and {rows[-1][1] / ours:.1f}× tcpdump's")
if planted and found != planted:
    sys.exit(f"bench-capture: mtu-doctor found {found}, planted {planted}")
