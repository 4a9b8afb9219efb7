/// What happens to a packet larger than the path MTU.
public enum FateKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Nothing is too big: it arrives.
    case delivered
    /// A router (or the tunnel endpoint) fragments it.
    case fragmented
    /// A router drops it and its PTB reaches the sender, which resends smaller.
    case ptbReturned
    /// A router drops it and sends a PTB, but the PTB never takes effect.
    case ptbLost
    /// It is dropped and no ICMP is sent at all.
    case silentDrop
}

/// What happened to the largest packet, with the specifics each outcome has (and only those).
public enum PathFate: Sendable, Hashable {
    /// Nothing is too big: it arrives.
    case delivered
    /// A router (or the tunnel endpoint) fragments it at `hop`.
    case fragmented(at: Hop)
    /// `hop` drops it and its PTB reaches the sender, which resends smaller.
    case ptbReturned(at: Hop, ptb: TooBig)
    /// `hop` drops it; a PTB is never sent to the inner sender (`ptb` nil: a tunnel endpoint keeps its own MTU to
    /// itself) or is sent and lost on the way back, for `reason`.
    case ptbLost(at: Hop, ptb: TooBig?, reason: LossReason)
    /// `hop` drops it and no ICMP is sent at all.
    case silentDrop(at: Hop)

    /// Where the packet met the wall.
    public struct Hop: Sendable, Hashable {
        public var node: String
        public var interface: String?

        public init(node: String, interface: String? = nil) {
            self.node = node
            self.interface = interface
        }
    }

    /// The ICMP "too big" (fragmentation needed / packet too big) the router sends.
    public struct TooBig: Sendable, Hashable {
        /// The MTU it announces.
        public var mtu: Int
        /// Its source address (or the router's name when the address is not known).
        public var source: String
        /// The node it is addressed to (the sender at the packet's layer), and the interface it arrives on.
        public var receiver: String?
        public var receiverInterface: String?
        /// The router's address facing the receiver: a next hop for a route back to `source`.
        public var gateway: String?

        public init(
            mtu: Int, source: String, receiver: String? = nil, receiverInterface: String? = nil, gateway: String? = nil
        ) {
            self.mtu = mtu
            self.source = source
            self.receiver = receiver
            self.receiverInterface = receiverInterface
            self.gateway = gateway
        }
    }

    /// Why a PTB never takes effect; the raw values are the JSON spelling (`lostReason`).
    public enum LossReason: String, Sendable, Hashable, Codable, CaseIterable {
        /// The receiver's reverse-path filter drops it (its source does not route back the way it came).
        case rpFilter = "rp_filter"
        /// A hop on the way back filters ICMP.
        case filtered
        /// A tunnel endpoint does not turn it into one for the inner sender.
        case notRelayed = "not-relayed"
        /// The receiver's (or the inner sender's) policy drops incoming ICMP.
        case policy
    }

    // `@inline(never)` on the accessors that switch over every case: inlined into check's FindingBuilder, Swift 6.3's
    // optimiser (release builds) fails its ownership verification on the switch ("Found outside of lifetime use?!").
    @inline(never)
    public var kind: FateKind {
        switch self {
        case .delivered: .delivered
        case .fragmented: .fragmented
        case .ptbReturned: .ptbReturned
        case .ptbLost: .ptbLost
        case .silentDrop: .silentDrop
        }
    }

    /// Where the packet met the wall (nil: delivered).
    @inline(never)
    public var hop: Hop? {
        switch self {
        case .delivered: nil
        case .fragmented(let hop), .ptbReturned(let hop, _), .ptbLost(let hop, _, _), .silentDrop(let hop): hop
        }
    }

    /// The PTB the router sent, whether or not it took effect.
    public var ptb: TooBig? {
        switch self {
        case .ptbReturned(_, let ptb): ptb
        case .ptbLost(_, let ptb, _): ptb
        case .delivered, .fragmented, .silentDrop: nil
        }
    }

    public var lossReason: LossReason? {
        if case .ptbLost(_, _, let reason) = self { return reason }
        return nil
    }
}

/// The fate of oversize packets: the outcome, one sentence on it, and whether TCP MTU probing rescues the flow.
/// JSON keeps the flat schema-1 shape (`kind`, `node`, `interface`, `ptbMTU`, `ptbSource`, `lostReason`,
/// `ptbReceiver`, `ptbReceiverInterface`, `ptbGateway`), written and read by hand below.
public struct Fate: Sendable, Hashable {
    public var outcome: PathFate
    /// One sentence: what happened and where.
    public var summary: String
    /// Whether TCP MTU probing on the sender gets traffic moving again anyway.
    public var rescuedByMTUProbing: Bool

    public init(_ outcome: PathFate, summary: String, rescuedByMTUProbing: Bool = false) {
        self.outcome = outcome
        self.summary = summary
        self.rescuedByMTUProbing = rescuedByMTUProbing
    }

    public var kind: FateKind { outcome.kind }
    public var node: String? { outcome.hop?.node }
    public var interface: String? { outcome.hop?.interface }
    public var ptb: PathFate.TooBig? { outcome.ptb }
    public var lossReason: PathFate.LossReason? { outcome.lossReason }
}

extension Fate: Codable {
    private enum CodingKeys: String, CodingKey {
        case kind, summary, node, interface, ptbMTU, ptbSource, lostReason, rescuedByMTUProbing
        case ptbReceiver, ptbReceiverInterface, ptbGateway
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(summary, forKey: .summary)
        try container.encodeIfPresent(node, forKey: .node)
        try container.encodeIfPresent(interface, forKey: .interface)
        try container.encodeIfPresent(ptb?.mtu, forKey: .ptbMTU)
        try container.encodeIfPresent(ptb?.source, forKey: .ptbSource)
        try container.encodeIfPresent(lossReason, forKey: .lostReason)
        try container.encode(rescuedByMTUProbing, forKey: .rescuedByMTUProbing)
        try container.encodeIfPresent(ptb?.receiver, forKey: .ptbReceiver)
        try container.encodeIfPresent(ptb?.receiverInterface, forKey: .ptbReceiverInterface)
        try container.encodeIfPresent(ptb?.gateway, forKey: .ptbGateway)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(FateKind.self, forKey: .kind)
        summary = try container.decode(String.self, forKey: .summary)
        rescuedByMTUProbing = try container.decode(Bool.self, forKey: .rescuedByMTUProbing)
        func hop() throws -> PathFate.Hop {
            PathFate.Hop(
                node: try container.decode(String.self, forKey: .node),
                interface: try container.decodeIfPresent(String.self, forKey: .interface))
        }
        func ptb() throws -> PathFate.TooBig? {
            guard let mtu = try container.decodeIfPresent(Int.self, forKey: .ptbMTU) else { return nil }
            return PathFate.TooBig(
                mtu: mtu, source: try container.decode(String.self, forKey: .ptbSource),
                receiver: try container.decodeIfPresent(String.self, forKey: .ptbReceiver),
                receiverInterface: try container.decodeIfPresent(String.self, forKey: .ptbReceiverInterface),
                gateway: try container.decodeIfPresent(String.self, forKey: .ptbGateway))
        }
        switch kind {
        case .delivered: outcome = .delivered
        case .fragmented: outcome = .fragmented(at: try hop())
        case .silentDrop: outcome = .silentDrop(at: try hop())
        case .ptbReturned:
            guard let ptb = try ptb() else {
                throw DecodingError.keyNotFound(
                    CodingKeys.ptbMTU,
                    .init(codingPath: container.codingPath, debugDescription: "ptbReturned without the PTB's MTU"))
            }
            outcome = .ptbReturned(at: try hop(), ptb: ptb)
        case .ptbLost:
            outcome = .ptbLost(
                at: try hop(), ptb: try ptb(),
                reason: try container.decode(PathFate.LossReason.self, forKey: .lostReason))
        }
    }
}

/// Where on a hop a size limit acts; the raw values are the JSON spelling.
public enum HopRole: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The sender's own MTU: it sends nothing larger.
    case sender
    /// A tunnel endpoint's MTU for the packets it encapsulates.
    case tunnelEndpoint = "tunnel-endpoint"
    /// A router's egress MTU (it can send ICMP "too big").
    case forward
    /// The switches of an L2 segment (frames over it are dropped, no ICMP exists).
    case segment
    /// The receiving interface's MTU (dropped on arrival).
    case receiver

    public var description: String { rawValue }
}

/// Which packets a limit applies to; the raw values are the JSON spelling.
public enum PathLayer: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// A path without tunnels: the IP packets themselves.
    case ip
    /// Inner packets on a path that uses a tunnel.
    case overlay
    /// A tunnel's outer packets.
    case underlay

    public var description: String { rawValue }
}

/// The hop that limits a path.
public struct Bottleneck: Sendable, Hashable, Codable {
    public var node: String
    public var interface: String?
    public var layer: PathLayer
    /// Where on the hop the limit acts.
    public var role: HopRole
    /// The hop's own limit, in bytes of the packet at its layer (outer packets on the underlay).
    public var mtu: Int
    public var reason: String
    /// The overlay whose outer packets meet this limit, when `layer` is underlay.
    public var overlay: String?
    /// The segment, when the limit is the switches' (an L2 limit).
    public var segment: String?

    public init(
        node: String, interface: String? = nil, layer: PathLayer, role: HopRole, mtu: Int, reason: String,
        overlay: String? = nil, segment: String? = nil
    ) {
        self.node = node
        self.interface = interface
        self.layer = layer
        self.role = role
        self.mtu = mtu
        self.reason = reason
        self.overlay = overlay
        self.segment = segment
    }

    /// The node and its interface, as reports name the place: "fw-01 port1", or the node alone.
    public var place: String {
        interface.map { "\(node) \($0)" } ?? node
    }
}

/// One place along a path that limits packet size.
public struct HopReport: Sendable, Hashable {
    public var node: String
    public var interface: String?
    public var role: HopRole
    public var layer: PathLayer
    /// For the underlay: the tunnel's encapsulation (its name, e.g. "VXLAN").
    public var encapsulation: String?
    /// The limit at this hop, in bytes of the packet at its layer.
    public var mtu: Int
    /// The same limit as the largest inner packet that passes.
    public var innerLimit: Int
    public var reason: String

    public init(
        node: String, interface: String? = nil, role: HopRole, layer: PathLayer, encapsulation: String? = nil,
        mtu: Int, innerLimit: Int, reason: String
    ) {
        self.node = node
        self.interface = interface
        self.role = role
        self.layer = layer
        self.encapsulation = encapsulation
        self.mtu = mtu
        self.innerLimit = innerLimit
        self.reason = reason
    }

    /// The layer as reports print it: "ip", "overlay", or "underlay (VXLAN)" for a tunnel's outer packets.
    public var layerText: String {
        encapsulation.map { "\(layer) (\($0))" } ?? layer.rawValue
    }
}

/// Schema 1 writes the layer and the encapsulation as one text, `layerText`.
extension HopReport: Codable {
    private enum CodingKeys: String, CodingKey {
        case node, interface, role, layer, mtu, innerLimit, reason
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(node, forKey: .node)
        try container.encodeIfPresent(interface, forKey: .interface)
        try container.encode(role, forKey: .role)
        try container.encode(layerText, forKey: .layer)
        try container.encode(mtu, forKey: .mtu)
        try container.encode(innerLimit, forKey: .innerLimit)
        try container.encode(reason, forKey: .reason)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        node = try container.decode(String.self, forKey: .node)
        interface = try container.decodeIfPresent(String.self, forKey: .interface)
        role = try container.decode(HopRole.self, forKey: .role)
        let text = try container.decode(String.self, forKey: .layer)
        let word = text.prefix { $0 != " " }
        guard let layer = PathLayer(rawValue: String(word)) else {
            throw DecodingError.dataCorruptedError(
                forKey: .layer, in: container, debugDescription: "unknown layer '\(text)'")
        }
        self.layer = layer
        let rest = text.dropFirst(word.count)
        encapsulation = rest.hasPrefix(" (") && rest.hasSuffix(")") ? String(rest.dropFirst(2).dropLast()) : nil
        mtu = try container.decode(Int.self, forKey: .mtu)
        innerLimit = try container.decode(Int.self, forKey: .innerLimit)
        reason = try container.decode(String.self, forKey: .reason)
    }
}

/// One direction of a flow (or of one leg of a proxied flow).
public struct DirectionResult: Sendable, Hashable, Codable {
    public var from: String
    public var to: String
    /// The largest inner IP packet the path delivers whole.
    public var pathMTU: Int
    public var bottleneck: Bottleneck
    /// The largest packet the sender will emit (its MTU, the peer's MSS, clamps).
    public var largestPacketSent: Int
    /// The largest packet the flow's own messages need in this direction.
    public var messagePacket: Int
    /// What happens to packets larger than `pathMTU` that the sender does emit.
    public var fate: Fate
    public var verdict: Verdict
    /// The flow's messages fit today, but larger ones would meet the wall.
    public var latent: Bool
    public var hops: [HopReport]
    /// What happened, step by step, to the largest packet.
    public var events: [String]

    public init(
        from: String, to: String, pathMTU: Int, bottleneck: Bottleneck, largestPacketSent: Int, messagePacket: Int,
        fate: Fate, verdict: Verdict, latent: Bool, hops: [HopReport], events: [String]
    ) {
        self.from = from
        self.to = to
        self.pathMTU = pathMTU
        self.bottleneck = bottleneck
        self.largestPacketSent = largestPacketSent
        self.messagePacket = messagePacket
        self.fate = fate
        self.verdict = verdict
        self.latent = latent
        self.hops = hops
        self.events = events
    }
}

/// A leg: one TCP connection (a proxy splits a flow into two).
public struct LegResult: Sendable, Hashable, Codable {
    public var from: String
    public var to: String
    public var forward: DirectionResult
    public var reverse: DirectionResult

    public init(from: String, to: String, forward: DirectionResult, reverse: DirectionResult) {
        self.from = from
        self.to = to
        self.forward = forward
        self.reverse = reverse
    }
}

/// A flow's result: the worst leg in each direction, every leg, the verdict and what users will see.
public struct FlowResult: Sendable, Hashable, Codable {
    public var name: String
    public var from: String
    public var to: String
    public var `protocol`: String
    public var verdict: Verdict
    public var forward: DirectionResult
    public var reverse: DirectionResult
    public var legs: [LegResult]
    public var symptoms: [String]

    public init(
        name: String, from: String, to: String, `protocol`: String, verdict: Verdict, forward: DirectionResult,
        reverse: DirectionResult, legs: [LegResult], symptoms: [String]
    ) {
        self.name = name
        self.from = from
        self.to = to
        self.protocol = `protocol`
        self.verdict = verdict
        self.forward = forward
        self.reverse = reverse
        self.legs = legs
        self.symptoms = symptoms
    }
}

/// Everything `check` concludes about a topology.
public struct CheckReport: Sendable, Hashable, Codable {
    public var topology: String
    public var verdict: Verdict
    public var flows: [FlowResult]
    /// Ranked, most severe first.
    public var findings: [Finding]

    public init(topology: String, verdict: Verdict, flows: [FlowResult], findings: [Finding]) {
        self.topology = topology
        self.verdict = verdict
        self.flows = flows
        self.findings = findings
    }

    /// Exit status for the CLI: 0 when nothing is wrong, 1 when problems were found.
    public var hasProblems: Bool {
        verdict != .ok || findings.contains { $0.severity >= .warning }
    }
}
