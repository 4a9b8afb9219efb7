// What `capture analyze` reports (MTUCapture's analyzer writes it; MTUReport renders it).

/// One conversation direction: source address/port → destination address/port.
public struct FlowKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var version: Int
    public var sourceHigh: UInt64, sourceLow: UInt64, sourcePort: Int
    public var destinationHigh: UInt64, destinationLow: UInt64, destinationPort: Int

    public init(
        version: Int, sourceHigh: UInt64, sourceLow: UInt64, sourcePort: Int, destinationHigh: UInt64,
        destinationLow: UInt64, destinationPort: Int
    ) {
        self.version = version
        self.sourceHigh = sourceHigh
        self.sourceLow = sourceLow
        self.sourcePort = sourcePort
        self.destinationHigh = destinationHigh
        self.destinationLow = destinationLow
        self.destinationPort = destinationPort
    }

    public var reversed: FlowKey {
        FlowKey(
            version: version, sourceHigh: destinationHigh, sourceLow: destinationLow, sourcePort: destinationPort,
            destinationHigh: sourceHigh, destinationLow: sourceLow, destinationPort: sourcePort)
    }

    /// IPv4 dotted, IPv6 in RFC 5952 form (lower case, no leading zeros, the longest run of two or more zero groups
    /// as `::`, the first one on a tie).
    package static func address(_ version: Int, _ high: UInt64, _ low: UInt64) -> String {
        if version == 4 { return "\(low >> 24 & 0xff).\(low >> 16 & 0xff).\(low >> 8 & 0xff).\(low & 0xff)" }
        let values = (0..<8).map { index -> UInt64 in
            ((index < 4 ? high : low) >> UInt64((3 - index % 4) * 16)) & 0xffff
        }
        var best = (start: -1, length: 0)
        var run = (start: -1, length: 0)
        for (index, value) in values.enumerated() {
            if value == 0 {
                run = run.start < 0 ? (index, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let groups = values.map { String($0, radix: 16) }
        guard best.length >= 2 else { return groups.joined(separator: ":") }
        let head = groups[..<best.start].joined(separator: ":")
        let tail = groups[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    public var source: String { Self.address(version, sourceHigh, sourceLow) }
    public var destination: String { Self.address(version, destinationHigh, destinationLow) }
    public var description: String {
        version == 4
            ? "\(source):\(sourcePort) → \(destination):\(destinationPort)"
            : "[\(source)]:\(sourcePort) → [\(destination)]:\(destinationPort)"
    }
    /// Bytes of IP + TCP headers without options, to turn an MSS into a packet size.
    package var headerBytes: Int { version == 4 ? 40 : 60 }
}

/// The packets that prove a finding read from a capture: the file, the direction, the frames, and what they show.
public struct PacketProof: Sendable, Hashable, Codable {
    /// The capture file the frames belong to.
    public var file: String
    public var direction: String?
    /// Frame numbers as Wireshark counts them (1-based) in `file`.
    public var frames: [Int]
    /// Size bounds: the largest packet that got through and the smallest that never did.
    public var sizes: Sizes?
    public var ptb: PTB?
    public var evidence: Evidence

    /// How far the capture proves it: confirmed (the packets show it), likely (consistent, not proven: another
    /// cause fits too), cannot-tell (the capture does not hold what would decide it; the summary says what would).
    public enum Evidence: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case confirmed, likely
        case cannotTell = "cannot-tell"

        /// The JSON spelling, also in interpolated text.
        public var description: String { rawValue }
    }

    public struct Sizes: Sendable, Hashable, Codable {
        public var largestDelivered: Int?
        public var smallestLost: Int?

        public init(
            largestDelivered: Int? = nil, smallestLost: Int? = nil
        ) {
            self.largestDelivered = largestDelivered
            self.smallestLost = smallestLost
        }
    }

    public struct PTB: Sendable, Hashable, Codable {
        public var mtu: Int
        public var source: String
        /// Whether the sender's later segments fit the announced MTU (nil: none followed in the capture).
        public var senderAdapted: Bool?

        public init(
            mtu: Int, source: String, senderAdapted: Bool? = nil
        ) {
            self.mtu = mtu
            self.source = source
            self.senderAdapted = senderAdapted
        }
    }

    public init(
        file: String, direction: String? = nil, frames: [Int], sizes: Sizes? = nil, ptb: PTB? = nil,
        evidence: Evidence = .confirmed
    ) {
        self.file = file
        self.direction = direction
        self.frames = frames
        self.sizes = sizes
        self.ptb = ptb
        self.evidence = evidence
    }
}

extension Finding {
    /// A finding read from a capture: what it is (critical for a black hole, warning for degraded or a risk, info
    /// for context), one sentence, and the packets that prove it.
    public static func capture(
        kind: FindingKind, severity: Severity, file: String, direction: String? = nil, frames: [Int], summary: String,
        sizes: PacketProof.Sizes? = nil, ptb: PacketProof.PTB? = nil, evidence: PacketProof.Evidence = .confirmed
    ) -> Finding {
        Finding(
            severity: severity, kind: kind, summary: summary,
            proof: PacketProof(
                file: file, direction: direction, frames: frames, sizes: sizes, ptb: ptb, evidence: evidence))
    }
}

/// Per-connection figures for the summary table.
public struct ConnectionSummary: Sendable, Hashable, Codable {
    public var file: String
    public var flow: String
    public var packets: Int
    public var mssClient: Int?
    public var mssServer: Int?
    public var largestPacket: Int
    public var retransmissions: Int
    public var stalled: Bool
    /// ClientHello → the client's first record after the server's flight, when the handshake completed.
    public var tlsHandshakeMs: Double?
    /// How the connection's TLS handshake went, when it had one.
    public var tls: TLSProgress?

    /// `completed`, `stalled` (the server's flight never fully arrived), `alert` (one side sent an alert) or
    /// `abandoned` (the server's flight arrived, the client closed without finishing). The raw values are the JSON
    /// spelling.
    public enum TLSProgress: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case completed, stalled, alert, abandoned

        public var description: String { rawValue }
    }

    public init(
        file: String, flow: String, packets: Int, mssClient: Int? = nil, mssServer: Int? = nil, largestPacket: Int,
        retransmissions: Int, stalled: Bool, tlsHandshakeMs: Double? = nil, tls: TLSProgress? = nil
    ) {
        self.file = file
        self.flow = flow
        self.packets = packets
        self.mssClient = mssClient
        self.mssServer = mssServer
        self.largestPacket = largestPacket
        self.retransmissions = retransmissions
        self.stalled = stalled
        self.tlsHandshakeMs = tlsHandshakeMs
        self.tls = tls
    }
}

/// Tunnel traffic seen: what the underlay had to carry.
public struct TunnelSummary: Sendable, Hashable, Codable {
    public var packets = 0
    public var largestOuter = 0
    /// The inner packet carried in the largest outer packet.
    public var largestInner = 0
    public var outerDontFragment = 0
    public var outerFragments = 0

    public init() {}
}

/// The analysis of one or more captures.
public struct CaptureReport: Sendable {
    public var packets: Int
    public var bytes: Int
    public var flows: [ConnectionSummary]
    /// Connections left out of `flows` (clean ones beyond the table's limit).
    public var flowsOmitted: Int
    /// Every capture finding carries its `proof`.
    public var findings: [Finding]
    public var tunnels: TunnelSummary?
    public var verdict: Verdict

    /// ok | degraded | blackhole | incomplete (nothing, or too little, could be read; or no MTU evidence either way)
    /// The findings most severe first, in the analysis's order within a severity: how every report lists them.
    public var rankedFindings: [Finding] {
        findings.enumerated().sorted { ($1.element.severity, $0.offset) < ($0.element.severity, $1.offset) }
            .map(\.element)
    }

    public typealias Verdict = CaptureVerdict
    /// How much of the traffic was read down to IP, and what was not.
    public var coverage: Coverage
    /// One sentence: what the captures show.
    public var conclusion: String
    public var warnings: [String]

    public init(
        packets: Int, bytes: Int, flows: [ConnectionSummary], flowsOmitted: Int, findings: [Finding],
        tunnels: TunnelSummary? = nil, verdict: Verdict, coverage: Coverage, conclusion: String, warnings: [String]
    ) {
        self.packets = packets
        self.bytes = bytes
        self.flows = flows
        self.flowsOmitted = flowsOmitted
        self.findings = findings
        self.tunnels = tunnels
        self.verdict = verdict
        self.coverage = coverage
        self.conclusion = conclusion
        self.warnings = warnings
    }
}

/// What the dissector could read: packets down to IP, the encapsulations it went through, and what it skipped.
public struct Coverage: Sendable, Codable, Equatable {
    public var packets = 0
    /// Packets read down to their (innermost) IP header.
    public var dissected = 0
    /// Packets not read to IP, by reason (link type, EtherType, encapsulation), most first.
    public var skipped: [Count] = []
    /// Encapsulations and offload forms read through (MPLS, GRE, IP-in-IP, VXLAN, VXLAN-GPE, Geneve, BIG TCP).
    public var through: [Count] = []

    public struct Count: Sendable, Codable, Equatable {
        public var what: String
        public var packets: Int

        public init(
            what: String, packets: Int
        ) {
            self.what = what
            self.packets = packets
        }
    }

    public init(packets: Int = 0, dissected: Int = 0, skipped: [Count] = [], through: [Count] = []) {
        self.packets = packets
        self.dissected = dissected
        self.skipped = skipped
        self.through = through
    }
}

/// Schema 1 writes a capture finding flat: the proof's fields beside kind, severity and summary.
extension CaptureReport: Codable {
    private enum CodingKeys: String, CodingKey {
        case packets, bytes, flows, flowsOmitted, findings, tunnels, verdict, coverage, conclusion, warnings
    }

    private struct FlatFinding: Codable {
        var kind: FindingKind
        var severity: Severity
        var file: String
        var direction: String?
        var frames: [Int]
        var summary: String
        var sizes: PacketProof.Sizes?
        var ptb: PacketProof.PTB?
        var evidence: PacketProof.Evidence

        init(_ finding: Finding) {
            let proof = finding.proof ?? PacketProof(file: "", frames: [])
            kind = finding.kind
            severity = finding.severity
            file = proof.file
            direction = proof.direction
            frames = proof.frames
            summary = finding.summary
            sizes = proof.sizes
            ptb = proof.ptb
            evidence = proof.evidence
        }

        var finding: Finding {
            .capture(
                kind: kind, severity: severity, file: file, direction: direction, frames: frames, summary: summary,
                sizes: sizes, ptb: ptb, evidence: evidence)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(packets, forKey: .packets)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(flows, forKey: .flows)
        try container.encode(flowsOmitted, forKey: .flowsOmitted)
        try container.encode(findings.map(FlatFinding.init), forKey: .findings)
        try container.encodeIfPresent(tunnels, forKey: .tunnels)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(coverage, forKey: .coverage)
        try container.encode(conclusion, forKey: .conclusion)
        try container.encode(warnings, forKey: .warnings)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            packets: try container.decode(Int.self, forKey: .packets),
            bytes: try container.decode(Int.self, forKey: .bytes),
            flows: try container.decode([ConnectionSummary].self, forKey: .flows),
            flowsOmitted: try container.decode(Int.self, forKey: .flowsOmitted),
            findings: try container.decode([FlatFinding].self, forKey: .findings).map(\.finding),
            tunnels: try container.decodeIfPresent(TunnelSummary.self, forKey: .tunnels),
            verdict: try container.decode(Verdict.self, forKey: .verdict),
            coverage: try container.decode(Coverage.self, forKey: .coverage),
            conclusion: try container.decode(String.self, forKey: .conclusion),
            warnings: try container.decode([String].self, forKey: .warnings))
    }
}
