#!/usr/bin/env python3
"""Generate a large, valid mtu-doctor topology for benchmarks.

A leaf-spine data centre: RACKS racks of hosts behind a leaf router each, leaves joined by one fabric segment,
a VXLAN overlay with pods on the hosts, one rack whose leaf has a 1500-byte uplink (a wall), and random flows.
Usage: gen-topology.py [--nodes N] [--flows F] [--seed S] > topology.yaml
"""
import argparse
import random

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--nodes", type=int, default=10000, help="total nodes (hosts + pods + routers), approximately")
parser.add_argument("--flows", type=int, default=1000)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()
if args.nodes < 50 or args.flows < 0:
    parser.error("--nodes must be at least 50 and --flows not negative")

rng = random.Random(args.seed)
racks = max(2, args.nodes // 100)
per_rack_hosts = max(1, (args.nodes - racks) // racks // 2)  # half hosts, half pods

out = ["version: 1", f"name: generated-{args.nodes}-{args.flows}", "segments:", "  - { name: fabric, mtu: 9216 }"]
for r in range(racks):
    out.append(f"  - {{ name: rack{r}, mtu: 9216, switches: [tor{r}] }}")
out.append("nodes:")
hosts, pods = [], []
for r in range(racks):
    uplink = 1500 if r == racks - 1 else 9000
    out += [
        f"  - name: leaf{r}",
        "    kind: router",
        "    vendor: arista-eos",
        "    interfaces:",
        f"      - {{ name: Ethernet49, mtu: {uplink}, segment: fabric, address: 10.255.{r // 250}.{r % 250 + 1}/16 }}",
        f"      - {{ name: Vlan{r + 10}, mtu: 9000, segment: rack{r}, address: 10.{r // 250 + 1}.{r % 250}.1/24 }}",
    ]
    for h in range(per_rack_hosts):
        name = f"host-{r}-{h}"
        hosts.append(name)
        out += [
            f"  - name: {name}",
            "    kind: host",
            "    interfaces:",
            f"      - {{ name: eth0, mtu: 9000, segment: rack{r}, address: 10.{r // 250 + 1}.{r % 250}.{h % 250 + 10}/24 }}",
            "    routes: [{ to: default, interface: eth0 }]",
            "    sysctls: { net.ipv4.conf.all.rp_filter: 1 }",
        ]
        pod = f"pod-{r}-{h}"
        pods.append(pod)
        out += [
            f"  - name: {pod}",
            "    kind: pod",
            f"    host: {name}",
            "    overlay: cluster",
            "    interfaces: [{ name: eth0, mtu: 8950 }]",
        ]
out += ["overlays:", "  - name: cluster", "    provider: calico", "    encapsulation: vxlan", "    outerDF: set", "    endpoints:"]
for name in hosts:
    out.append(f"      - {{ node: {name}, interface: eth0 }}")
out.append("flows:" if args.flows else "flows: []")
for i in range(args.flows):
    pool = pods if i % 2 == 0 else hosts
    a, b = rng.sample(pool, 2)
    out.append(f"  - {{ name: flow{i}, from: {a}, to: {b}, protocol: tcp, port: 443, application: tls, messages: {{ forward: 517, reverse: 4096 }} }}")
print("\n".join(out))
