/// One conversation direction: source address/port → destination address/port.
public struct FlowKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var version: Int
    public var sourceHigh: UInt64, sourceLow: UInt64, sourcePort: Int
    public var destinationHigh: UInt64, destinationLow: UInt64, destinationPort: Int

    public var reversed: FlowKey {
        FlowKey(version: version, sourceHigh: destinationHigh, sourceLow: destinationLow, sourcePort: destinationPort,
                destinationHigh: sourceHigh, destinationLow: sourceLow, destinationPort: sourcePort)
    }

    static func address(_ version: Int, _ high: UInt64, _ low: UInt64) -> String {
        if version == 4 { return "\(low >> 24 & 0xff).\(low >> 16 & 0xff).\(low >> 8 & 0xff).\(low & 0xff)" }
        let groups = (0..<8).map { index -> String in String(((index < 4 ? high : low) >> UInt64((3 - index % 4) * 16)) & 0xffff, radix: 16) }
        return groups.joined(separator: ":")
    }

    public var source: String { Self.address(version, sourceHigh, sourceLow) }
    public var destination: String { Self.address(version, destinationHigh, destinationLow) }
    public var description: String { "\(source):\(sourcePort) → \(destination):\(destinationPort)" }
}

/// A capture finding, with the frames that prove it.
public struct CaptureFinding: Sendable, Hashable, Codable {
    /// stalled-segment | ptb-seen | mss | overlay-oversize | tls-stall
    public var kind: String
    public var direction: String?
    public var frames: [Int]
    public var summary: String
    /// Size bounds: the largest packet that got through and the smallest that never did.
    public var sizes: Sizes?
    public var ptb: PTB?

    public struct Sizes: Sendable, Hashable, Codable {
        public var largestDelivered: Int?
        public var smallestLost: Int?
    }

    public struct PTB: Sendable, Hashable, Codable {
        public var mtu: Int
        public var source: String
        /// Whether the sender's later segments fit the announced MTU.
        public var senderAdapted: Bool?
    }
}

/// Per-connection figures for the summary table.
public struct ConnectionSummary: Sendable, Hashable, Codable {
    public var flow: String
    public var packets: Int
    public var mssClient: Int?
    public var mssServer: Int?
    public var largestPacket: Int
    public var retransmissions: Int
    public var stalled: Bool
}

/// The analysis of one or more captures.
public struct CaptureReport: Sendable, Codable {
    public var packets: Int
    public var flows: [ConnectionSummary]
    public var findings: [CaptureFinding]
    /// ok | degraded | blackhole
    public var verdict: String
    public var warnings: [String]
}

/// Reads captures packet by packet and finds the signatures of MTU trouble.
public struct CaptureAnalyzer {
    /// The MTU to hold outer (tunnel) packets against, when given.
    public var underlayMTU: Int?

    struct Segment {
        var payload: Int
        var packetSize: Int
        var frames: [Int]
    }

    struct Direction {
        var mss: Int?
        var packets = 0
        var largest = 0
        var segments: [UInt32: Segment] = [:]
        var highestAck: UInt32?
        /// Ranges this side reported as received out of order (SACK), bounded.
        var sacked: [(UInt32, UInt32)] = []
        var retransmissions = 0
        /// Each data packet's frame and size, in order (bounded), to see what a sender did after a PTB.
        var dataPackets: [(frame: Int, size: Int)] = []
        var clientHelloFrame: Int?
        var firstFrame: Int?
    }

    var directions: [FlowKey: Direction] = [:]
    var order: [FlowKey] = []
    var ptbs: [(frame: Int, info: ICMPInfo, source: String, quoted: FlowKey?, timestamp: Int64)] = []
    var oversize: [Int] = []
    var oversizeLargest = 0
    var packets = 0
    var warnings: [String] = []
    var lastTimestamp: Int64 = 0
    var timestamps: [Int: Int64] = [:]

    public init(underlayMTU: Int? = nil) { self.underlayMTU = underlayMTU }

    /// Feeds every packet of one capture.
    public mutating func add(_ reader: inout CaptureReader, name: String) {
        while let packet = reader.next() {
            packets += 1
            add(Dissector.dissect(reader.bytes, packet), packet: packet, bytes: reader.bytes)
        }
        warnings += reader.warnings.map { "\(name): \($0)" }
    }

    mutating func add(_ dissection: Dissection, packet: CapturedPacket, bytes: [UInt8]) {
        lastTimestamp = packet.timestamp
        if let underlayMTU, let outer = dissection.tunnels.first?.outer, outer.totalLength > underlayMTU {
            if oversize.count < 50 { oversize.append(packet.frame) }
            oversizeLargest = max(oversizeLargest, outer.totalLength)
        }
        guard let ip = dissection.ip, let transport = dissection.transport else { return }
        switch transport {
        case .icmp(let icmp) where icmp.isTooBig:
            var quoted: FlowKey?
            if let inner = icmp.quoted, let sourcePort = icmp.quotedSourcePort, let destinationPort = icmp.quotedDestinationPort {
                quoted = FlowKey(version: inner.version, sourceHigh: inner.sourceHigh, sourceLow: inner.sourceLow, sourcePort: sourcePort,
                                 destinationHigh: inner.destinationHigh, destinationLow: inner.destinationLow, destinationPort: destinationPort)
            }
            ptbs.append((packet.frame, icmp, FlowKey.address(ip.version, ip.sourceHigh, ip.sourceLow), quoted, packet.timestamp))
        case .tcp(let tcp):
            let key = FlowKey(version: ip.version, sourceHigh: ip.sourceHigh, sourceLow: ip.sourceLow, sourcePort: tcp.sourcePort,
                              destinationHigh: ip.destinationHigh, destinationLow: ip.destinationLow, destinationPort: tcp.destinationPort)
            if directions[key] == nil { order.append(key) }
            var direction = directions[key] ?? Direction()
            direction.packets += 1
            direction.firstFrame = direction.firstFrame ?? packet.frame
            direction.largest = max(direction.largest, ip.totalLength)
            if tcp.syn, let mss = tcp.mss { direction.mss = mss }
            if let left = tcp.sackLeft, let right = tcp.sackRight, direction.sacked.count < 256 { direction.sacked.append((left, right)) }
            if tcp.ack {
                let ack = tcp.acknowledgment
                if let highest = direction.highestAck { if Int32(bitPattern: ack &- highest) > 0 { direction.highestAck = ack } } else { direction.highestAck = ack }
            }
            if tcp.payloadLength > 0 {
                if direction.dataPackets.count < 100_000 { direction.dataPackets.append((packet.frame, ip.totalLength)) }
                let start = ip.offset + ip.headerLength + tcp.headerLength
                if direction.clientHelloFrame == nil, start + 6 <= packet.range.upperBound, bytes[start] == 22, bytes[start + 5] == 1 {
                    direction.clientHelloFrame = packet.frame
                    timestamps[packet.frame] = packet.timestamp
                }
                var segment = direction.segments[tcp.sequence] ?? Segment(payload: tcp.payloadLength, packetSize: ip.totalLength, frames: [])
                if !segment.frames.isEmpty { direction.retransmissions += 1 }
                if segment.frames.count < 32 { segment.frames.append(packet.frame) }
                segment.payload = max(segment.payload, tcp.payloadLength)
                segment.packetSize = max(segment.packetSize, ip.totalLength)
                if direction.segments.count < 100_000 { direction.segments[tcp.sequence] = segment }
            }
            directions[key] = direction
        default:
            break
        }
    }

    /// Findings, the per-connection table and the verdict.
    public func report() -> CaptureReport {
        var findings: [CaptureFinding] = []
        var summaries: [ConnectionSummary] = []
        var seen: Set<FlowKey> = []
        var verdict = "ok"
        for key in order where !seen.contains(key) {
            seen.insert(key)
            seen.insert(key.reversed)
            let forward = directions[key] ?? Direction()
            let backward = directions[key.reversed] ?? Direction()
            var stalledAny = false
            for (flow, direction, peer) in [(key, forward, backward), (key.reversed, backward, forward)] where direction.packets > 0 {
                let ack = peer.highestAck
                func acked(_ sequence: UInt32, _ payload: Int) -> Bool {
                    let end = sequence &+ UInt32(payload)
                    // Selectively acknowledged counts as delivered: it shows which sizes the path carries.
                    if peer.sacked.contains(where: { Int32(bitPattern: sequence &- $0.0) >= 0 && Int32(bitPattern: $0.1 &- end) >= 0 }) { return true }
                    guard let ack else { return false }
                    return Int32(bitPattern: ack &- end) >= 0
                }
                let deliveredSizes = direction.segments.filter { acked($0.key, $0.value.payload) }.map(\.value.packetSize)
                let stalled = direction.segments.filter { !acked($0.key, $0.value.payload) && $0.value.frames.count >= 3 }
                let largestDelivered = deliveredSizes.max()
                let stalledBig = stalled.filter { entry in largestDelivered.map { entry.value.packetSize > $0 } ?? true }
                if let worst = stalledBig.min(by: { $0.value.packetSize < $1.value.packetSize }) {
                    stalledAny = true
                    verdict = "blackhole"
                    findings.append(CaptureFinding(
                        kind: "stalled-segment", direction: flow.description, frames: worst.value.frames,
                        summary: "the same \(worst.value.packetSize)-byte segment (seq \(worst.key), \(worst.value.payload) bytes) was sent \(worst.value.frames.count) times and never acknowledged\(largestDelivered.map { ", while segments up to \($0) bytes were: path MTU ≥ \($0) and < \(worst.value.packetSize)" } ?? ", and no larger data got through: path MTU < \(worst.value.packetSize)") from \(flow.source) to \(flow.destination)",
                        sizes: .init(largestDelivered: largestDelivered, smallestLost: worst.value.packetSize), ptb: nil))
                    if let hello = peer.clientHelloFrame ?? direction.clientHelloFrame, let start = timestamps[hello] {
                        let tenths = (lastTimestamp - start) / 100_000_000
                        let seconds = Double(tenths) / 10
                        var text = "ClientHello at frame \(hello); the server's flight never completed (\(tenths / 10).\(tenths % 10) s to the end of the capture)"
                        if abs(seconds - 10) < 1 { text += ": matches Go's 10 s TLS handshake timeout" }
                        findings.append(CaptureFinding(kind: "tls-stall", direction: flow.description, frames: [hello] + worst.value.frames.prefix(3), summary: text, sizes: nil, ptb: nil))
                    }
                }
            }
            if let client = forward.mss, let server = backward.mss, client != server {
                findings.append(CaptureFinding(
                    kind: "mss", direction: key.description, frames: [forward.firstFrame, backward.firstFrame].compactMap { $0 },
                    summary: "MSS \(client) from \(key.source), \(server) from \(key.destination): segments stay within \(min(client, server) + (key.version == 4 ? 40 : 60)) bytes", sizes: nil, ptb: nil))
            }
            summaries.append(ConnectionSummary(
                flow: key.description, packets: forward.packets + backward.packets, mssClient: forward.mss, mssServer: backward.mss,
                largestPacket: max(forward.largest, backward.largest), retransmissions: forward.retransmissions + backward.retransmissions, stalled: stalledAny))
        }
        for ptb in ptbs {
            var adapted: Bool?
            if let quoted = ptb.quoted, let direction = directions[quoted], let mtu = ptb.info.mtu {
                let later = direction.dataPackets.filter { $0.frame > ptb.frame }.map(\.size)
                if !later.isEmpty { adapted = later.allSatisfy { $0 <= mtu } }
            }
            if adapted == false { verdict = "blackhole" } else if verdict == "ok" { verdict = "degraded" }
            let outcome = adapted.map { $0 ? "the sender adapted (later segments fit)" : "the sender kept sending larger segments: the PTB did not take effect" } ?? "no later segments of the quoted flow in this capture"
            findings.append(CaptureFinding(
                kind: "ptb-seen", direction: ptb.quoted?.description, frames: [ptb.frame],
                summary: "ICMP \"too big\" (MTU \(ptb.info.mtu ?? 0)) from \(ptb.source)\(ptb.quoted.map { " about \($0)" } ?? ""): \(outcome)",
                sizes: nil, ptb: .init(mtu: ptb.info.mtu ?? 0, source: ptb.source, senderAdapted: adapted)))
        }
        if let underlayMTU, !oversize.isEmpty {
            findings.append(CaptureFinding(
                kind: "overlay-oversize", direction: nil, frames: oversize,
                summary: "tunnel packets up to \(oversizeLargest) bytes exceed the \(underlayMTU)-byte underlay MTU", sizes: nil, ptb: nil))
            if verdict == "ok" { verdict = "degraded" }
        }
        return CaptureReport(packets: packets, flows: summaries, findings: findings, verdict: verdict, warnings: warnings)
    }
}
