// What an agent serves at /results and what `kube mesh` and `kube audit` read back: the agent's own identity and
// facts, the latest result per peer. The logic that fills them (probing, discovery, gathering) is MTUAgent's.

/// A peer to measure: a name for reports and the address probes go to.
public struct Peer: Sendable, Hashable, Codable {
    public var name: String
    public var address: String

    public init(name: String, address: String) {
        self.name = name
        self.address = address
    }

    /// `NAME=ADDRESS` or a bare address (named after itself).
    public init?(_ text: String) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        let address = parts.last ?? ""
        guard IPAddress(address) != nil else { return nil }
        self.init(name: parts.count == 2 ? parts[0] : address, address: address)
    }
}

/// Where an agent's peers come from when that can fail (the Kubernetes API), and how it is going.
public struct PeerDiscoveryStatus: Sendable, Codable, Equatable {
    public var source: String
    /// Unix time of the last successful look-up.
    public var lastSuccess: Double?
    public var failures: Int
    public var lastError: String?
    /// The peer list in use is from an earlier look-up (the source is failing now).
    public var stale: Bool

    public init(source: String, lastSuccess: Double? = nil, failures: Int, lastError: String? = nil, stale: Bool) {
        self.source = source
        self.lastSuccess = lastSuccess
        self.failures = failures
        self.lastError = lastError
        self.stale = stale
    }
}

/// One measurement of one peer, both directions.
public struct PeerResult: Sendable, Hashable, Codable {
    public var peer: String
    public var address: String
    /// Unix time of the measurement, seconds.
    public var at: Double
    public var forward: Direction
    public var reverse: Direction
    public var probesSent: Int
    public var elapsedMs: Int
    public var method: Method = .search
    /// Set when the probe itself failed (no route, no answer at all); the directions are then unknown.
    public var error: String?

    public init(
        peer: String, address: String, at: Double, forward: Direction, reverse: Direction, probesSent: Int,
        elapsedMs: Int, method: Method = .search, error: String? = nil
    ) {
        self.peer = peer
        self.address = address
        self.at = at
        self.forward = forward
        self.reverse = reverse
        self.probesSent = probesSent
        self.elapsedMs = elapsedMs
        self.method = method
        self.error = error
    }

    /// How the peer was measured: a full DF search, the previous boundary re-checked with a few probes
    /// (`verified`), or a boundary another agent or the node's MTU suggested, re-checked (`verified-hint`). The raw
    /// values are the JSON spelling.
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case search, verified
        case verifiedHint = "verified-hint"

        public var description: String { rawValue }
    }

    public struct Direction: Sendable, Hashable, Codable {
        public var pathMTU: Int?
        /// ok | ptb | blackhole | local-limit | unreachable | inconclusive | not-measured
        public var verdict: PathVerdict
        public var ptbMTU: Int?
        public var ptbSource: String?
        /// The PTB arrived and this host's rp_filter dropped it.
        public var ptbLost: Bool

        public init(
            pathMTU: Int?, verdict: PathVerdict, ptbMTU: Int? = nil, ptbSource: String? = nil, ptbLost: Bool = false
        ) {
            self.pathMTU = pathMTU
            self.verdict = verdict
            self.ptbMTU = ptbMTU
            self.ptbSource = ptbSource
            self.ptbLost = ptbLost
        }
    }
}

/// This host's facts that decide what happens to big packets and to the ICMP about them, gathered every round.
public struct HostSummary: Sendable, Codable, Equatable {
    /// The interface toward the peers (the route to the first one), and its MTU.
    public var interface: String?
    public var interfaceMTU: Int?
    /// Effective rp_filter on that interface: 0 off, 1 strict (drops a PTB whose source routes elsewhere), 2 loose.
    public var rpFilter: Int?
    public var rpFilterDrops: Int?
    /// net.ipv4.tcp_mtu_probing: 0 off, 1 after a black hole is suspected, 2 always.
    public var tcpMTUProbing: Int?
    public var routeMTUs: [RouteMTU]
    public var mssClamps: [MSSClamp]
    /// False when the firewall rules could not be read (no privilege, no tool): no clamp seen is then not proof.
    public var mssClampsKnown: Bool
    public var tunnels: [Tunnel]

    public init(
        interface: String? = nil, interfaceMTU: Int? = nil, rpFilter: Int? = nil, rpFilterDrops: Int? = nil,
        tcpMTUProbing: Int? = nil, routeMTUs: [RouteMTU], mssClamps: [MSSClamp], mssClampsKnown: Bool, tunnels: [Tunnel]
    ) {
        self.interface = interface
        self.interfaceMTU = interfaceMTU
        self.rpFilter = rpFilter
        self.rpFilterDrops = rpFilterDrops
        self.tcpMTUProbing = tcpMTUProbing
        self.routeMTUs = routeMTUs
        self.mssClamps = mssClamps
        self.mssClampsKnown = mssClampsKnown
        self.tunnels = tunnels
    }

    public struct RouteMTU: Sendable, Codable, Equatable {
        public var destination: String
        public var device: String
        public var mtu: Int

        public init(destination: String, device: String, mtu: Int) {
            self.destination = destination
            self.device = device
            self.mtu = mtu
        }
    }
    public struct MSSClamp: Sendable, Codable, Equatable {
        public var rule: String
        public var mss: Int?

        public init(rule: String, mss: Int? = nil) {
            self.rule = rule
            self.mss = mss
        }
    }
    public struct Tunnel: Sendable, Codable, Equatable {
        public var name: String
        public var kind: String
        public var mtu: Int

        public init(name: String, kind: String, mtu: Int) {
            self.name = name
            self.kind = kind
            self.mtu = mtu
        }
    }
}

/// What the agent serves at /results: its own identity, the latest result per peer (marked stale when old).
public struct AgentSnapshot: Sendable, Codable {
    public var node: String
    public var address: String?
    public var interfaceMTU: Int?
    public var startedAt: Double
    public var rounds: Int
    public var lastRoundSeconds: Double?
    public var intervalSeconds: Double
    /// Set when the peers come from a source that can fail (the Kubernetes API).
    public var discovery: PeerDiscoveryStatus?
    /// This host's facts, from the last round.
    public var host: HostSummary?
    public var peers: [PeerStatus]

    public init(
        node: String, address: String? = nil, interfaceMTU: Int? = nil, startedAt: Double, rounds: Int,
        lastRoundSeconds: Double? = nil, intervalSeconds: Double, discovery: PeerDiscoveryStatus? = nil,
        host: HostSummary? = nil, peers: [PeerStatus]
    ) {
        self.node = node
        self.address = address
        self.interfaceMTU = interfaceMTU
        self.startedAt = startedAt
        self.rounds = rounds
        self.lastRoundSeconds = lastRoundSeconds
        self.intervalSeconds = intervalSeconds
        self.discovery = discovery
        self.host = host
        self.peers = peers
    }

    public struct PeerStatus: Sendable, Codable {
        public var peer: Peer
        public var latest: PeerResult?
        /// The latest result is older than the stale limit (or the last attempt failed): not current.
        public var stale: Bool
        public var ageSeconds: Double?
        public var errors: Int
        public var lastError: String?

        public init(
            peer: Peer, latest: PeerResult? = nil, stale: Bool, ageSeconds: Double? = nil, errors: Int,
            lastError: String? = nil
        ) {
            self.peer = peer
            self.latest = latest
            self.stale = stale
            self.ageSeconds = ageSeconds
            self.errors = errors
            self.lastError = lastError
        }
    }
}
