// What `probe` reports (MTUProbe measures it; MTUReport renders it).

/// What `mtu-doctor probe` reports.
public struct ProbeReport: Sendable, Codable {
    public struct PTBInfo: Sendable, Codable {
        public var mtu: Int?
        public var source: String?
        /// The PTB's source is not routable back through the interface it arrives on: hosts with strict
        /// rp_filter drop it.
        public var rpfRisk: Bool
        /// The MTU it claims is implausible (below 552, Linux's min_pmtu): likely forged or broken.
        public var implausible: Bool
        /// This host's effective rp_filter on the interface toward the target (0 off, 1 strict, 2 loose; IPv4).
        public var rpFilterMode: Int?

        public init(
            mtu: Int? = nil, source: String? = nil, rpfRisk: Bool, implausible: Bool, rpFilterMode: Int? = nil
        ) {
            self.mtu = mtu
            self.source = source
            self.rpfRisk = rpfRisk
            self.implausible = implausible
            self.rpFilterMode = rpFilterMode
        }
    }

    public struct Forward: Sendable, Codable {
        public var pathMTU: Int?
        /// ok | ptb | local-limit | blackhole | unreachable | partial | inconclusive
        public var verdict: PathVerdict
        public var ptb: PTBInfo?
        public var wall: WallLocation?
        public var localMTU: Int?
        /// Packets this host dropped for failing rp_filter while probing (IPReversePathFilter).
        public var rpFilterDrops: Int
        public var ladder: [SearchResult.LadderStep]
        public var explanation: String
        /// A path MTU this host had already learned toward the target (its route cache), when below the interface MTU.
        public var cachedPMTU: Int?
        /// How the probes went: raw or datagram (which ICMP socket carried echo probes), udp (--udp), tcp
        /// (--tcp-port). The JSON key is `socket`.
        public var socket: ForwardMethod
        /// When the echo search met silence, what a one-way UDP check said.
        public var oneWay: OneWayCheck?
        /// Echo replies over this size never came back while the requests arrived (the one-way check).
        public var echoRepliesLostAbove: Int?
        /// With verdict partial: sizes above this could not be measured (a learned PMTU bounds TCP).
        public var measuredUpTo: Int?

        public init(
            pathMTU: Int? = nil, verdict: PathVerdict, ptb: PTBInfo? = nil, wall: WallLocation? = nil,
            localMTU: Int? = nil, rpFilterDrops: Int, ladder: [SearchResult.LadderStep], explanation: String,
            cachedPMTU: Int? = nil, socket: ForwardMethod, oneWay: OneWayCheck? = nil, echoRepliesLostAbove: Int? = nil,
            measuredUpTo: Int? = nil
        ) {
            self.pathMTU = pathMTU
            self.verdict = verdict
            self.ptb = ptb
            self.wall = wall
            self.localMTU = localMTU
            self.rpFilterDrops = rpFilterDrops
            self.ladder = ladder
            self.explanation = explanation
            self.cachedPMTU = cachedPMTU
            self.socket = socket
            self.oneWay = oneWay
            self.echoRepliesLostAbove = echoRepliesLostAbove
            self.measuredUpTo = measuredUpTo
        }
    }

    public struct Reverse: Sendable, Codable {
        public var pathMTU: Int?
        public var method: ReverseMethod
        /// ok | ptb | blackhole | partial (ok up to `measuredUpTo`, not measurable above) | unreachable | inconclusive
        public var verdict: PathVerdict?
        /// With verdict partial: sizes above this could not be measured (a learned PMTU bounds TCP).
        public var measuredUpTo: Int?
        /// The responder's route MTU toward us after probing: below its interface MTU once a PTB reached it.
        public var responderRouteMTU: Int?
        public var explanation: String

        public init(
            pathMTU: Int? = nil, method: ReverseMethod, verdict: PathVerdict? = nil, measuredUpTo: Int? = nil,
            responderRouteMTU: Int? = nil, explanation: String
        ) {
            self.pathMTU = pathMTU
            self.method = method
            self.verdict = verdict
            self.measuredUpTo = measuredUpTo
            self.responderRouteMTU = responderRouteMTU
            self.explanation = explanation
        }
    }

    public var target: String
    public var address: String
    public var forward: Forward
    public var reverse: Reverse
    /// The HTTPS signature, for URL targets and --tls-port (run first, on a cold path).
    public var tls: TLSSignature?
    public var probesSent: Int
    public var elapsedMs: Int

    /// Whether `probe` exits 1: either direction is a black hole or unreachable, or the TLS handshake stalled.
    public var failed: Bool {
        let bad: [PathVerdict] = [.blackhole, .unreachable]
        return bad.contains(forward.verdict) || reverse.verdict.map(bad.contains) == true || tls?.handshake == .stalled
    }
    /// A path MTU this host had learned toward the target before the run (a route exception), and whether it was
    /// set aside so that the TCP methods could measure past it.
    public var learned: Learned?

    public struct Learned: Sendable, Codable, Hashable {
        public var mtu: Int
        public var expiresSeconds: Int?
        public var setAside: Bool

        public init(
            mtu: Int, expiresSeconds: Int? = nil, setAside: Bool
        ) {
            self.mtu = mtu
            self.expiresSeconds = expiresSeconds
            self.setAside = setAside
        }
    }

    public init(
        target: String, address: String, forward: Forward, reverse: Reverse, tls: TLSSignature? = nil, probesSent: Int,
        elapsedMs: Int, learned: Learned? = nil
    ) {
        self.target = target
        self.address = address
        self.forward = forward
        self.reverse = reverse
        self.tls = tls
        self.probesSent = probesSent
        self.elapsedMs = elapsedMs
        self.learned = learned
    }
}

/// The application signature of an HTTPS endpoint, as in the incident's table: TCP connect, a plain-HTTP request to
/// the TLS port, the TLS handshake's first flight.
public struct TLSSignature: Sendable, Codable {
    public var port: Int
    public var connectMs: Int?
    /// The status a plain-HTTP request to the TLS port got (e.g. 400), nil when it got no HTTP answer.
    public var plainHTTPStatus: Int?
    public var plainHTTPBytes: Int
    /// ok, stalled, failed or unreachable (never not-tested: a signature is a test).
    public var handshake: TLSHandshake
    /// The Certificate message's size (the chain as sent), when it arrived or at least announced itself.
    public var certificateBytes: Int?
    public var bytesReceived: Int
    public var handshakeMs: Int?
    public var conclusion: String

    public init(
        port: Int, connectMs: Int? = nil, plainHTTPStatus: Int? = nil, plainHTTPBytes: Int, handshake: TLSHandshake,
        certificateBytes: Int? = nil, bytesReceived: Int, handshakeMs: Int? = nil, conclusion: String
    ) {
        self.port = port
        self.connectMs = connectMs
        self.plainHTTPStatus = plainHTTPStatus
        self.plainHTTPBytes = plainHTTPBytes
        self.handshake = handshake
        self.certificateBytes = certificateBytes
        self.bytesReceived = bytesReceived
        self.handshakeMs = handshakeMs
        self.conclusion = conclusion
    }
}

/// What became of one probe.
public enum ProbeOutcome: Sendable, Hashable, CustomStringConvertible {
    /// The target answered.
    case passed
    /// A router answered "fragmentation needed" / "packet too big".
    case ptb(mtu: Int, source: String)
    /// The local stack refused to send it (EMSGSIZE): the interface or route MTU, with its value when known.
    case localLimit(mtu: Int?)
    /// A TTL-limited probe expired at this hop.
    case timeExceeded(from: String)
    /// Another ICMP error, e.g. "port unreachable" for a UDP probe (which counts as an answer from the target).
    case unreachable(code: Int, from: String)
    /// Nothing came back in time.
    case silent

    /// The outcome as probe's JSON writes it (a ladder step's `outcome`): "passed", "ptb 1400 from 10.0.0.1",
    /// "local-limit 1500", "time-exceeded from 10.0.0.1", "unreachable 3 from 10.0.0.2", "silent".
    public var description: String {
        switch self {
        case .passed: "passed"
        case .ptb(let mtu, let source): "ptb \(mtu) from \(source)"
        case .localLimit(let mtu): "local-limit" + (mtu.map { " \($0)" } ?? "")
        case .timeExceeded(let from): "time-exceeded from \(from)"
        case .unreachable(let code, let from): "unreachable \(code) from \(from)"
        case .silent: "silent"
        }
    }

    /// Reads `description` back; nil for any other text.
    public init?(_ text: String) {
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        switch (words.first, words.count) {
        case ("passed", 1): self = .passed
        case ("silent", 1): self = .silent
        case ("local-limit", 1): self = .localLimit(mtu: nil)
        case ("local-limit", 2):
            guard let mtu = Int(words[1]) else { return nil }
            self = .localLimit(mtu: mtu)
        case ("ptb", 4) where words[2] == "from":
            guard let mtu = Int(words[1]) else { return nil }
            self = .ptb(mtu: mtu, source: words[3])
        case ("time-exceeded", 3) where words[1] == "from": self = .timeExceeded(from: words[2])
        case ("unreachable", 4) where words[2] == "from":
            guard let code = Int(words[1]) else { return nil }
            self = .unreachable(code: code, from: words[3])
        default: return nil
        }
    }

    /// Whether the probe got an answer from the target (a UDP probe's "port unreachable" is one).
    public var answered: Bool {
        switch self {
        case .passed, .unreachable: true
        case .ptb, .localLimit, .timeExceeded, .silent: false
        }
    }
}

/// The answer of a path MTU search in one direction.
public struct SearchResult: Sendable, Hashable, Codable {
    /// The largest packet that passed (the path MTU), or nil when nothing at all came back.
    public var pathMTU: Int?
    /// The smallest size above it that did not pass, when there is one.
    public var firstFailing: Int?
    public var verdict: PathVerdict
    /// The PTB's claims, when one came back for a failing size.
    public var ptbMTU: Int?
    public var ptbSource: String?
    /// The local limit's value, for local-limit.
    public var localMTU: Int?
    /// How many times the first failing size failed (random loss is told apart from a wall by repeats).
    public var failuresAtWall: Int
    /// Whether the boundary was confirmed by repeats (false: the search ran out of waves; treat as inconclusive).
    public var confirmed: Bool
    public var waves: Int
    /// Every size probed and its last outcome, ascending (for the size ladder in reports).
    public var ladder: [LadderStep]

    /// One size probed: its last outcome (a PTB is kept over a later silence) and how often it was sent. The JSON
    /// writes the outcome as its text (`ProbeOutcome.description`).
    public struct LadderStep: Sendable, Hashable, Codable {
        public var size: Int
        public var outcome: ProbeOutcome
        public var attempts: Int

        public init(size: Int, outcome: ProbeOutcome, attempts: Int) {
            self.size = size
            self.outcome = outcome
            self.attempts = attempts
        }

        private enum CodingKeys: String, CodingKey {
            case size, outcome, attempts
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(size, forKey: .size)
            try container.encode(outcome.description, forKey: .outcome)
            try container.encode(attempts, forKey: .attempts)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            size = try container.decode(Int.self, forKey: .size)
            let text = try container.decode(String.self, forKey: .outcome)
            guard let outcome = ProbeOutcome(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .outcome, in: container, debugDescription: "unknown probe outcome '\(text)'")
            }
            self.outcome = outcome
            attempts = try container.decode(Int.self, forKey: .attempts)
        }
    }

    public init(
        pathMTU: Int? = nil, firstFailing: Int? = nil, verdict: PathVerdict, ptbMTU: Int? = nil,
        ptbSource: String? = nil, localMTU: Int? = nil, failuresAtWall: Int, confirmed: Bool, waves: Int,
        ladder: [LadderStep]
    ) {
        self.pathMTU = pathMTU
        self.firstFailing = firstFailing
        self.verdict = verdict
        self.ptbMTU = ptbMTU
        self.ptbSource = ptbSource
        self.localMTU = localMTU
        self.failuresAtWall = failuresAtWall
        self.confirmed = confirmed
        self.waves = waves
        self.ladder = ladder
    }
}
