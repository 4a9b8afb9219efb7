// What a lab is built to show (MTULab builds it; the tests and MTUReport read it).

/// What a lab is built to show: the answers a correct probe must find.
public struct LabGroundTruth: Sendable, Codable, Hashable {
    public var scenario: String
    public var prefix: String
    /// Namespace names by role (client, server, …).
    public var namespaces: [String: String]
    /// The address the client probes, and the client's own.
    public var server: String
    public var client: String
    public var forwardPathMTU: Int
    public var reversePathMTU: Int
    /// What a forward probe from the client must conclude: ok, ptb or blackhole.
    public var forwardVerdict: PathVerdict
    public var reverseVerdict: PathVerdict
    /// The PTB source the client should see (or the one it cannot see, when rp_filter eats it).
    public var ptbSource: String?
    /// Whether that source fails the client's strict rp_filter.
    public var ptbDroppedByRPFilter: Bool
    public var wallLastGoodHop: String?
    public var wallFirstBadHop: String?
    public var wallTTL: Int?
    public var notes: [String]
    /// The server's IPv6 address (routed chain labs are dual-stack), and the IPv6 walls (IPv6 links carry ≥ 1280).
    public var server6: String?
    public var forwardPathMTU6: Int?
    public var reversePathMTU6: Int?
    public var forwardVerdict6: PathVerdict?
    public var ptbSource6: String?
    /// With `--https`: the HTTPS server's port on `server` and the PID of the process serving it.
    public var httpsPort: Int?
    public var httpsPID: Int32?
    /// The certificate chain's size as the server sends it (the Certificate message), for checking probes.
    public var certificateChainPEMBytes: Int?
    /// twoway: each direction's fate.
    public var forwardFate: WallFate? = nil
    public var reverseFate: WallFate? = nil

    public init(
        scenario: String, prefix: String, namespaces: [String: String], server: String, client: String,
        forwardPathMTU: Int, reversePathMTU: Int, forwardVerdict: PathVerdict, reverseVerdict: PathVerdict,
        ptbSource: String? = nil, ptbDroppedByRPFilter: Bool, wallLastGoodHop: String? = nil,
        wallFirstBadHop: String? = nil, wallTTL: Int? = nil, notes: [String], server6: String? = nil,
        forwardPathMTU6: Int? = nil, reversePathMTU6: Int? = nil, forwardVerdict6: PathVerdict? = nil,
        ptbSource6: String? = nil, httpsPort: Int? = nil, httpsPID: Int32? = nil, certificateChainPEMBytes: Int? = nil,
        forwardFate: WallFate? = nil, reverseFate: WallFate? = nil
    ) {
        self.scenario = scenario
        self.prefix = prefix
        self.namespaces = namespaces
        self.server = server
        self.client = client
        self.forwardPathMTU = forwardPathMTU
        self.reversePathMTU = reversePathMTU
        self.forwardVerdict = forwardVerdict
        self.reverseVerdict = reverseVerdict
        self.ptbSource = ptbSource
        self.ptbDroppedByRPFilter = ptbDroppedByRPFilter
        self.wallLastGoodHop = wallLastGoodHop
        self.wallFirstBadHop = wallFirstBadHop
        self.wallTTL = wallTTL
        self.notes = notes
        self.server6 = server6
        self.forwardPathMTU6 = forwardPathMTU6
        self.reversePathMTU6 = reversePathMTU6
        self.forwardVerdict6 = forwardVerdict6
        self.ptbSource6 = ptbSource6
        self.httpsPort = httpsPort
        self.httpsPID = httpsPID
        self.certificateChainPEMBytes = certificateChainPEMBytes
        self.forwardFate = forwardFate
        self.reverseFate = reverseFate
    }
}

/// What a wall does to a packet too large for it (the `twoway` lab sets one per direction).
public enum WallFate: String, Sendable, CaseIterable, Codable {
    /// No wall in this direction.
    case fits
    /// A routed hop's egress is smaller; it drops the packet and returns ICMP "fragmentation needed".
    case ptb
    /// As ptb, but the ICMP comes from an address the sender cannot route back to and the sender runs strict
    /// rp_filter: the ICMP arrives and is discarded.
    case ptbRPF = "ptb-rpf"
    /// A routed hop's egress is smaller and it sends no ICMP (its own "fragmentation needed" is dropped).
    case silentRouted = "silent-routed"
    /// A link whose receiving end has a smaller MTU than its sending end: the receiver drops the frame, no ICMP
    /// exists at layer 2. Linux veth (like most switches) accepts 4 bytes more for a VLAN tag
    /// (`is_skb_forwardable`, torvalds/linux net/core/dev.c): packets up to wall + 4 bytes pass.
    case silentL2 = "silent-l2"

    /// The largest IPv4 packet that passes a wall of `size` bytes with this fate.
    public func passes(_ size: Int) -> Int { self == .fits ? 9000 : self == .silentL2 ? size + 4 : size }
    /// What a one-way measurement of this direction must conclude: ok | ptb | blackhole.
    public var verdict: PathVerdict { self == .fits ? .ok : self == .ptb ? .ptb : .blackhole }
}
