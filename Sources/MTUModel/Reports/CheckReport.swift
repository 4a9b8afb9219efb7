/// What happens to a packet larger than the path MTU.
public enum FateKind: String, Sendable, Hashable, Codable {
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

/// The fate of oversize packets, with the specifics.
public struct Fate: Sendable, Hashable, Codable {
    public var kind: FateKind
    /// One sentence: what happened and where.
    public var summary: String
    /// Where the packet met the wall.
    public var node: String?
    public var interface: String?
    /// The MTU the PTB announced.
    public var ptbMTU: Int?
    /// The PTB's source address.
    public var ptbSource: String?
    /// Why a PTB was lost: "rp_filter", "filtered", "not-relayed", "policy".
    public var lostReason: String?
    /// Whether TCP MTU probing on the sender gets traffic moving again anyway.
    public var rescuedByMTUProbing: Bool
    /// The node the PTB was addressed to, and the interface it arrives on.
    public var ptbReceiver: String?
    public var ptbReceiverInterface: String?
    /// The router's address facing the PTB's receiver (a next hop for a route back to the PTB source).
    public var ptbGateway: String?

    public init(
        kind: FateKind, summary: String, node: String? = nil, interface: String? = nil, ptbMTU: Int? = nil,
        ptbSource: String? = nil, lostReason: String? = nil, rescuedByMTUProbing: Bool = false,
        ptbReceiver: String? = nil, ptbReceiverInterface: String? = nil, ptbGateway: String? = nil
    ) {
        self.ptbReceiver = ptbReceiver
        self.ptbReceiverInterface = ptbReceiverInterface
        self.ptbGateway = ptbGateway
        self.kind = kind
        self.summary = summary
        self.node = node
        self.interface = interface
        self.ptbMTU = ptbMTU
        self.ptbSource = ptbSource
        self.lostReason = lostReason
        self.rescuedByMTUProbing = rescuedByMTUProbing
    }
}

/// The hop that limits a path.
public struct Bottleneck: Sendable, Hashable, Codable {
    public var node: String
    public var interface: String?
    /// "underlay" (a tunnel's outer packets), "overlay" (inner packets on a path that uses a tunnel) or "ip".
    public var layer: String
    /// sender, tunnel-endpoint, forward, segment or receiver: where on the hop the limit acts.
    public var role: String
    /// The hop's own limit, in bytes of the packet at its layer (outer packets on the underlay).
    public var mtu: Int
    public var reason: String
    /// The overlay whose outer packets meet this limit, when `layer` is "underlay".
    public var overlay: String?
    /// The segment, when the limit is the switches' (an L2 limit).
    public var segment: String?

    public init(
        node: String, interface: String? = nil, layer: String, role: String, mtu: Int, reason: String,
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
}

/// One place along a path that limits packet size.
public struct HopReport: Sendable, Hashable, Codable {
    public var node: String
    public var interface: String?
    /// sender, tunnel-endpoint, forward, segment, receiver.
    public var role: String
    /// "ip", "overlay" (inner packets of a tunnelled path), or "underlay (ENCAP)" for a tunnel's outer packets.
    public var layer: String
    /// The limit at this hop, in bytes of the packet at its layer.
    public var mtu: Int
    /// The same limit as the largest inner packet that passes.
    public var innerLimit: Int
    public var reason: String

    public init(
        node: String, interface: String? = nil, role: String, layer: String, mtu: Int, innerLimit: Int, reason: String
    ) {
        self.node = node
        self.interface = interface
        self.role = role
        self.layer = layer
        self.mtu = mtu
        self.innerLimit = innerLimit
        self.reason = reason
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
