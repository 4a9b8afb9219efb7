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

/// What a finding is about: a stable identifier, the JSON spelling (`kind` in check's and capture's documents,
/// `id` in the audit's). One vocabulary for check, the audit and captures; a string-backed value (as swift-nio's
/// `HTTPMethod` is) so each producer names its own kinds while every consumer compares typed constants.
public struct FindingKind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The JSON spelling, also in interpolated text.
    public var description: String { rawValue }
}

/// What `capture analyze` finds (and diagnose's capture evidence lists).
extension FindingKind {
    /// A TCP segment retransmitted without ever being acknowledged, the connection stalled behind it.
    public static let stalledSegment: FindingKind = "stalled-segment"
    /// The receiver's side of a stall: a gap in the sequence space that never fills.
    public static let receiveGap: FindingKind = "receive-gap"
    /// An ICMP "fragmentation needed" / "packet too big" in the capture.
    public static let ptbSeen: FindingKind = "ptb-seen"
    public static let mss: FindingKind = "mss"
    /// The MSS was rewritten between two vantage points.
    public static let mssClamped: FindingKind = "mss-clamped"
    /// Segments larger than the MTU: segmentation offload at the capture point.
    public static let offload: FindingKind = "offload"
    public static let overlayOversize: FindingKind = "overlay-oversize"
    public static let overlayFragmented: FindingKind = "overlay-fragmented"
    public static let fragmented: FindingKind = "fragmented"
    public static let overlay: FindingKind = "overlay"
    /// A TLS handshake whose server flight never completed.
    public static let tlsStall: FindingKind = "tls-stall"
    public static let tlsAlert: FindingKind = "tls-alert"
    /// Where the capture was taken, and what it can and cannot show from there.
    public static let vantage: FindingKind = "vantage"
    public static let peerSilent: FindingKind = "peer-silent"
    public static let peerReset: FindingKind = "peer-reset"

    /// Every kind a capture finding can have (docs/schema/capture.analyze.schema.json lists the same).
    public static let captureKinds: [FindingKind] = [
        .stalledSegment, .receiveGap, .ptbSeen, .mss, .mssClamped, .offload, .overlayOversize, .overlayFragmented,
        .fragmented, .overlay, .tlsStall, .tlsAlert, .vantage, .peerSilent, .peerReset,
    ]
}

/// What `check` finds: a wall (named by what happens to the packets over it) or a configuration problem.
extension FindingKind {
    /// The switches of a segment, or a receiving host, drop larger frames: layer 2 has no ICMP.
    public static let l2MTUMismatch: FindingKind = "l2-mtu-mismatch"
    /// A router drops larger packets on arrival, before routing: no ICMP is ever sent.
    public static let ingressDrop: FindingKind = "ingress-drop"
    /// A router drops them without sending ICMP "too big".
    public static let noPTBSent: FindingKind = "no-ptb-sent"
    /// The PTB is sent and the receiver's reverse-path filter drops it.
    public static let ptbLostRPFilter: FindingKind = "ptb-lost-rp-filter"
    /// The PTB is filtered on its way back.
    public static let ptbFiltered: FindingKind = "ptb-filtered"
    /// The PTB reaches the tunnel endpoint, never the pod (or the endpoint's own MTU is the wall).
    public static let ptbNotRelayed: FindingKind = "ptb-not-relayed"
    /// The receiver's policy drops the PTB.
    public static let ptbBlockedByPolicy: FindingKind = "ptb-blocked-by-policy"
    /// The packets are fragmented (no DF on the outer header).
    public static let fragmentation: FindingKind = "fragmentation"
    /// Traffic works only because PMTUD does.
    public static let pmtudDependent: FindingKind = "pmtud-dependent"
    /// Today's messages fit; larger ones would meet the wall.
    public static let latentWall: FindingKind = "latent-wall"
    public static let configuredAboveCarried: FindingKind = "configured-above-carried"
    public static let podMTUExceedsUnderlay: FindingKind = "pod-mtu-exceeds-underlay"
    public static let podMTUInconsistent: FindingKind = "pod-mtu-inconsistent"

    /// Every kind a check finding can have (docs/schema/check.schema.json lists the same).
    public static let checkKinds: [FindingKind] = [
        .l2MTUMismatch, .ingressDrop, .noPTBSent, .ptbLostRPFilter, .ptbFiltered, .ptbNotRelayed, .ptbBlockedByPolicy,
        .fragmentation, .pmtudDependent, .latentWall, .configuredAboveCarried, .podMTUExceedsUnderlay,
        .podMTUInconsistent,
    ]
}

/// The causes only `diagnose` weighs (its hypotheses' ids; the others are check's kinds).
extension FindingKind {
    /// A routed hop (an SVI, VLAN interface or tunnel) carries less, and sends ICMP "too big".
    public static let routedHopWall: FindingKind = "routed-hop-wall"
    /// A wall on the way back, with no ICMP reaching the sender.
    public static let reverseWall: FindingKind = "reverse-wall"
    /// A hop between the tunnel endpoints carries less than the overlay's outer packets need.
    public static let underlayWallUnderOverlay: FindingKind = "underlay-wall-under-overlay"
    /// No MSS clamp keeps TCP below the wall, or the one in place is set too high.
    public static let mssClamp: FindingKind = "mss-clamp"
    /// The two directions measure different walls.
    public static let asymmetricPath: FindingKind = "asymmetric-path"
    /// The evidence speaks against an MTU problem.
    public static let notMTU: FindingKind = "not-mtu"

    /// Every cause diagnose weighs (docs/schema/diagnose.schema.json lists the same hypothesis ids).
    public static let diagnoseCauses: [FindingKind] = [
        .underlayWallUnderOverlay, .l2MTUMismatch, .routedHopWall, .ptbLostRPFilter, .ptbFiltered, .ptbNotRelayed,
        .podMTUExceedsUnderlay, .mssClamp, .asymmetricPath, .notMTU, .reverseWall,
    ]
}

/// What `kube audit` finds (schema 1 writes the kind as the finding's `id`).
extension FindingKind {
    /// The pod MTU the CNI detects exceeds what the path between nodes leaves for pods.
    public static let autoMTUExceedsPath: FindingKind = "auto-mtu-exceeds-path"
    /// The CNI picks the pod MTU on each node, and no node's interface MTU is known.
    public static let autoMTUUnknown: FindingKind = "auto-mtu-unknown"
    /// Incomplete: objects that decide the MTU were not given (the finding says how to save them).
    public static let cniObjectsMissing: FindingKind = "cni-objects-missing"
    /// A CNI setting the CNI refuses or ignores.
    public static let cniSettingInvalid: FindingKind = "cni-setting-invalid"
    /// No CNI the audit knows was recognised.
    public static let cniUnknown: FindingKind = "cni-unknown"
    /// Two settings that size the same MTU disagree.
    public static let mtuSettingsDisagree: FindingKind = "mtu-settings-disagree"
    /// The nodes' interfaces disagree on their MTU.
    public static let nodeMTUMixed: FindingKind = "node-mtu-mixed"
    /// The path between nodes carries less than every node interface.
    public static let pathBelowInterfaces: FindingKind = "path-below-interfaces"
    /// Pods are sized well below what the path carries (a cost, not a black hole).
    public static let podMTUBelowPath: FindingKind = "pod-mtu-below-path"
    /// Pods are sized above what the underlay leaves them after encapsulation.
    public static let podMTUTooLarge: FindingKind = "pod-mtu-too-large"
    /// A measured pod-to-pod path carries less than the pods' MTU.
    public static let podPathBelowPodMTU: FindingKind = "pod-path-below-pod-mtu"
    /// Pods on some nodes run with an MTU other than the configured one.
    public static let podsNotUpdated: FindingKind = "pods-not-updated"
    /// Strict rp_filter on nodes: ICMP "too big" from an address routed elsewhere is dropped.
    public static let strictRPFilter: FindingKind = "strict-rp-filter"
    /// TCP MTU probing is off: a black hole is not rescued.
    public static let tcpMTUProbingOff: FindingKind = "tcp-mtu-probing-off"
    /// Node MTUs unknown: the pod MTU could not be checked against the underlay.
    public static let underlayUnknown: FindingKind = "underlay-unknown"

    /// Every kind an audit finding can have (docs/schema/kube.audit.schema.json lists the same ids).
    public static let auditKinds: [FindingKind] = [
        .podMTUTooLarge, .autoMTUExceedsPath, .podMTUBelowPath, .pathBelowInterfaces, .underlayUnknown, .podsNotUpdated,
        .nodeMTUMixed, .mtuSettingsDisagree, .cniUnknown, .strictRPFilter, .tcpMTUProbingOff, .podPathBelowPodMTU,
        .autoMTUUnknown, .cniSettingInvalid, .cniObjectsMissing,
    ]
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
