#!/usr/bin/env python3
"""Write a large pcap of realistic 1500-MTU traffic with planted MTU trouble, for `scripts/bench-capture.py`.

The file holds, in time order:
  - bulk TCP transfers (1448-byte segments with timestamps, an ACK every second segment, SACK-permitted SYNs),
  - every `--stall-every` connections, a TLS connection whose 4148-byte segment is retransmitted 5 times and never
    acknowledged while its 985-byte tail is SACKed (the black hole, as in the lab fixture),
  - every `--ptb-every` connections, an ICMP "fragmentation needed" (MTU 1400) after which the sender adapts,
  - VXLAN-encapsulated bulk flows (outer 1550 bytes) between two nodes.
It prints how many stalls and PTBs it planted, so the benchmark can check the answer as well as the speed.
Usage: scripts/gen-capture.py OUT.pcap [--size-mb 1100] [--stall-every 200] [--ptb-every 300]
"""
import argparse
import struct
import sys

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("out")
parser.add_argument("--size-mb", type=int, default=1100)
parser.add_argument("--stall-every", type=int, default=200)
parser.add_argument("--ptb-every", type=int, default=300)
parser.add_argument("--segments", type=int, default=400, help="data segments per bulk connection")
args = parser.parse_args()

ETH = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
out = open(args.out, "wb", buffering=1 << 22)
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
clock = [1_700_000_000.0]
written = [24]
PAYLOAD = bytes(range(256)) * 40


def emit(frame):
    clock[0] += 0.00002
    seconds = int(clock[0])
    micros = int((clock[0] - seconds) * 1_000_000)
    out.write(struct.pack("<IIII", seconds, micros, len(frame), len(frame)))
    out.write(frame)
    written[0] += 16 + len(frame)


def ipv4(src, dst, proto, payload, df=True):
    total = 20 + len(payload)
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, 0x4000 if df else 0, 64, proto, 0, src, dst) + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", mss=None, sack=None):
    options = b""
    if mss:
        options += struct.pack("!BBH", 2, 4, mss) + b"\x04\x02\x01\x01"
    options += b"\x01\x01\x08\x0a" + struct.pack("!II", 1, 2)
    if sack:
        options += b"\x01\x01\x05\x0a" + struct.pack("!II", *sack)
    header = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, (20 + len(options)) // 4 << 4, flags, 65535, 0, 0)
    return header + options + payload


def addr(n):
    return bytes([10, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF])


def conversation(index, wrap=None):
    """One connection: handshake, bulk data from the server, FIN. `wrap` puts every packet in VXLAN."""
    client, server = addr(0x010000 + index % 60000), addr(0x030000 + index % 250)
    cport, sport = 30000 + index % 30000, 443
    def send(src, dst, segment):
        packet = ipv4(src, dst, 6, segment)
        if wrap:
            inner = ETH + packet
            vxlan = b"\x08\x00\x00\x00\x00\x00\x2a\x00" + inner
            udp = struct.pack("!HHHH", 40000 + index % 1000, 4789, 8 + len(vxlan), 0) + vxlan
            packet = ipv4(bytes([192, 168, 0, 1]), bytes([192, 168, 0, 2]), 17, udp)
        emit(ETH + packet)
    cseq, sseq = 1000, 5000
    send(client, server, tcp(cport, sport, cseq, 0, 0x02, mss=1460))
    send(server, client, tcp(sport, cport, sseq, cseq + 1, 0x12, mss=1460))
    cseq += 1
    sseq += 1
    send(client, server, tcp(cport, sport, cseq, sseq, 0x10))
    hello = b"\x16\x03\x01\x00\x74\x01\x00\x00\x70" + PAYLOAD[:116]
    send(client, server, tcp(cport, sport, cseq, sseq, 0x18, hello))
    cseq += len(hello)
    size = 1448 - (50 if wrap else 0)
    ptb = not wrap and index % args.ptb_every == 0
    for n in range(args.segments):
        if ptb and n == 10:
            quoted = ipv4(server, client, 6, tcp(sport, cport, sseq, cseq, 0x10))[:28]
            emit(ETH + ipv4(bytes([10, 3, 255, 1]), server, 1, struct.pack("!BBHHH", 3, 4, 0, 0, 1400) + quoted))
            size = 1400 - 52
        send(server, client, tcp(sport, cport, sseq, cseq, 0x10, PAYLOAD[:size]))
        sseq += size
        if n % 2:
            send(client, server, tcp(cport, sport, cseq, sseq, 0x10))
    send(server, client, tcp(sport, cport, sseq, cseq, 0x11))
    send(client, server, tcp(cport, sport, cseq, sseq + 1, 0x11))
    send(server, client, tcp(sport, cport, sseq + 1, cseq + 1, 0x10))
    return ptb


def stalled(index):
    """The black hole: a 4148-byte segment sent 5 times, never acknowledged; its tail SACKed."""
    client, server = addr(0x020000 + index % 60000), addr(0x040000 + index % 250)
    cport, sport = 20000 + index % 10000, 443
    def send(src, dst, segment):
        emit(ETH + ipv4(src, dst, 6, segment))
    send(client, server, tcp(cport, sport, 1000, 0, 0x02, mss=8960))
    send(server, client, tcp(sport, cport, 5000, 1001, 0x12, mss=8960))
    send(client, server, tcp(cport, sport, 1001, 5001, 0x10))
    hello = b"\x16\x03\x01\x00\x74\x01\x00\x00\x70" + PAYLOAD[:116]
    send(client, server, tcp(cport, sport, 1001, 5001, 0x18, hello))
    big = (b"\x16\x03\x03\x0f\xfb\x02\x00\x00\x46" + PAYLOAD)[:4096]
    send(server, client, tcp(sport, cport, 5001, 1001 + len(hello), 0x18, big))
    tail = PAYLOAD[:985]
    send(server, client, tcp(sport, cport, 5001 + len(big), 1001 + len(hello), 0x18, tail))
    send(client, server, tcp(cport, sport, 1001 + len(hello), 5001, 0x10, sack=(5001 + len(big), 5001 + len(big) + len(tail))))
    for _ in range(4):
        send(server, client, tcp(sport, cport, 5001, 1001 + len(hello), 0x18, big))
    send(client, server, tcp(cport, sport, 1001 + len(hello), 5001, 0x04))


target = args.size_mb * 1_000_000
index = stalls = ptbs = connections = 0
while written[0] < target:
    index += 1
    if index % args.stall_every == 0:
        stalled(index)
        stalls += 1
    else:
        ptbs += conversation(index, wrap=(index % 7 == 0))
    connections += 1
out.close()
print(f"{args.out}: {written[0] / 1e6:.0f} MB, {connections} connections, {stalls} planted stalls, {ptbs} planted PTBs")
