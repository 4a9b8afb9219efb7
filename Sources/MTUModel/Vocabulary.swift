// The words every report shares: how bad a finding is, the verdict on a flow, which way along a path, and what a
// measurement of one direction found; the CNI or product that runs an overlay. Enums whose raw values are their JSON spellings, so every document stays
// byte-identical to the strings they replaced.

/// How bad a finding is. `check`, `kube audit` and `diagnose` use info, warning and error; `capture analyze` marks
/// what the packets show to be a black hole `critical` (its JSON spelling since the first version) and never uses
/// error.
public enum Severity: String, Sendable, Hashable, Codable, Comparable, CaseIterable, CustomStringConvertible {
    case info, warning, error, critical

    private var rank: Int {
        switch self {
        case .info: return 0
        case .warning: return 1
        case .error: return 2
        case .critical: return 3
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// The JSON spelling, also in interpolated text.
    public var description: String { rawValue }
}

/// The verdict on a flow or one direction of it.
public enum Verdict: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    /// Every packet the flow sends fits.
    case ok
    /// Large packets get through only by fragmentation, PMTUD or TCP MTU probing.
    case degraded
    /// Large packets are lost and nothing tells the sender.
    case blackhole

    private var rank: Int {
        switch self {
        case .ok: return 0
        case .degraded: return 1
        case .blackhole: return 2
        }
    }

    public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }
}

/// Which way along a path: toward the target (forward) or back to us (reverse).
public enum PathDirection: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case forward, reverse

    /// The JSON spelling, also in interpolated text.
    public var description: String { rawValue }
}

/// What a measurement of one direction found (`probe`, `diagnose`, the agents), with the JSON spelling as raw value.
public enum PathVerdict: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every size up to the interface MTU passed.
    case ok
    /// A wall that says so: a "too big" came back naming it.
    case ptb
    /// This host cannot send larger (interface MTU, a learned PMTU, a server's MSS): nothing said about the path.
    case localLimit = "local-limit"
    /// Sizes above the path MTU vanish and nothing says why.
    case blackhole
    /// Nothing came back at all, not even small probes.
    case unreachable
    /// Measured up to a bound only (`measuredUpTo`): not measurable above it.
    case partial
    /// The search could not confirm its boundary (loss, rate limits).
    case inconclusive
    /// No measurement was made in this direction (diagnose's evidence).
    case notMeasured = "not-measured"

    /// A wall was found: its size is known (ptb or blackhole).
    public var foundWall: Bool { self == .ptb || self == .blackhole }
}

extension PathVerdict: CustomStringConvertible {
    /// The JSON spelling, so reports interpolate "local-limit", never "localLimit".
    public var description: String { rawValue }
}

/// The CNI or product that runs an overlay, used to phrase its fix.
public enum OverlayProvider: String, Sendable, Hashable, Codable, CaseIterable {
    case calico, cilium, flannel, nsx, linux, generic
}

/// What a capture finding is about (`capture analyze`, and diagnose's capture evidence), with its JSON spelling.
public enum CaptureFindingKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// A TCP segment retransmitted without ever being acknowledged, the connection stalled behind it.
    case stalledSegment = "stalled-segment"
    /// The receiver's side of a stall: a gap in the sequence space that never fills.
    case receiveGap = "receive-gap"
    /// An ICMP "fragmentation needed" / "packet too big" in the capture.
    case ptbSeen = "ptb-seen"
    case mss
    /// The MSS was rewritten between two vantage points.
    case mssClamped = "mss-clamped"
    /// Segments larger than the MTU: segmentation offload at the capture point.
    case offload
    case overlayOversize = "overlay-oversize"
    case overlayFragmented = "overlay-fragmented"
    case fragmented
    case overlay
    /// A TLS handshake whose server flight never completed.
    case tlsStall = "tls-stall"
    case tlsAlert = "tls-alert"
    /// Where the capture was taken, and what it can and cannot show from there.
    case vantage
    case peerSilent = "peer-silent"
    case peerReset = "peer-reset"

    /// The JSON spelling, also in interpolated text.
    public var description: String { rawValue }
}

/// What the packets of a capture show, overall (`capture analyze`, and diagnose's capture evidence).
public enum CaptureVerdict: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case ok, degraded, blackhole, incomplete

    /// The JSON spelling, also in interpolated text.
    public var description: String { rawValue }
}

/// How the forward direction was probed: ICMP echo on a `raw` or `datagram` (unprivileged ping) socket, or one-way
/// with `udp` datagrams or `tcp` segments to a port. The raw values are the JSON spelling (probe's `forward.socket`)
/// and the description.
public enum ForwardMethod: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case raw, datagram, udp, tcp

    /// Echo probes need their replies: a silence may be the way back's.
    public var isEcho: Bool { self == .raw || self == .datagram }

    public var description: String { rawValue }
}

/// What the one-way check made of an echo search's silence: the requests are lost (`confirmed`), the requests pass
/// and the replies are lost (`replies-lost`), or no UDP answer came at all (`not-available`). The raw values are the
/// JSON spelling (probe's `forward.oneWay`).
public enum OneWayCheck: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case confirmed
    case repliesLost = "replies-lost"
    case notAvailable = "not-available"

    public var description: String { rawValue }
}

/// Either direction's method, as diagnose's evidence names it (one JSON string; the two sets of words are disjoint).
public enum PathMethod: Sendable, Hashable, Codable, CustomStringConvertible {
    case forward(ForwardMethod)
    case reverse(ReverseMethod)

    public var description: String {
        switch self {
        case .forward(let method): method.rawValue
        case .reverse(let method): method.rawValue
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        if let method = ForwardMethod(rawValue: text) {
            self = .forward(method)
        } else if let method = ReverseMethod(rawValue: text) {
            self = .reverse(method)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown path method '\(text)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// How the way back was measured: through `mtu-doctor serve` over UDP, by the MSS a TCP or TLS server's segments
/// carried, by which echo replies came back, or not at all. The raw values are the JSON spelling (probe's
/// `reverse.method`, docs/schema/probe.schema.json) and the description.
public enum ReverseMethod: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case serveUDP = "serve-udp"
    case tcpMSS = "tcp-mss"
    case tlsMSS = "tls-mss"
    case echoReplies = "echo-replies"
    case notMeasured = "not-measured"

    public var description: String { rawValue }
}

/// How a TLS handshake's first flight went: `ok` (it completed), `stalled` (bytes stopped before it completed: the
/// MTU symptom), `failed` (an alert, a reset or a close: not an MTU symptom), `unreachable` (no connection), and in
/// diagnose's evidence `not-tested`. The raw values are the JSON spelling and the description.
public enum TLSHandshake: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case ok, stalled, failed, unreachable
    case notTested = "not-tested"

    public var description: String { rawValue }
}

/// Which network an agent runs in: `pod` (the pod network: the pods' own MTU and pod-to-pod paths) or `host` (the
/// node's network: interface MTUs, rp_filter, node-to-node and tunnel-endpoint paths). The raw values name the
/// DaemonSets (`mtu-doctor-agent-pod`, `mtu-doctor-agent-host`) and are `kube mesh --network`'s values.
public enum AgentNetwork: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case pod, host

    public var description: String { rawValue }
}
