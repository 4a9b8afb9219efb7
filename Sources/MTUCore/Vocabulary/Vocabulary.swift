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
