/// Everything `diagnose` observed, as plain values: the input of the diagnosis rules (pure, so every rule can be
/// tested with evidence written by hand). Nil means "not observed", never "false".
public struct DiagnosisEvidence: Sendable, Hashable, Encodable {
    public var target: String
    public var address: String?
    public var port: Int?
    public var steps: [Step] = []
    public var dns: DNS?
    public var application: Application?
    public var forward: PathSide?
    public var reverse: PathSide?
    public var host: Host = Host()
    public var capture: Capture?
    public var topology: Topology?

    public init(target: String) { self.target = target }

    /// One test run, in order, for the timeline.
    public struct Step: Sendable, Hashable, Codable {
        public var name: String
        public var outcome: Outcome
        public var detail: String
        public var milliseconds: Int?

        /// The step's result on the timeline; the raw values are the JSON spelling and the description.
        public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
            case passed, failed, warning, skipped, info

            public var description: String { rawValue }
        }

        public init(name: String, outcome: Outcome, detail: String, milliseconds: Int? = nil) {
            self.name = name
            self.outcome = outcome
            self.detail = detail
            self.milliseconds = milliseconds
        }
    }

    public struct DNS: Sendable, Hashable, Codable {
        /// A literal address needs no lookup.
        public var literal: Bool
        public var resolved: Bool
        public var milliseconds: Int?
        public var error: String?

        public init(literal: Bool, resolved: Bool, milliseconds: Int? = nil, error: String? = nil) {
            self.literal = literal
            self.resolved = resolved
            self.milliseconds = milliseconds
            self.error = error
        }
    }

    /// The application's own signature: TCP connect, a plain request, the TLS handshake.
    public struct Application: Sendable, Hashable, Codable {
        public var tcpConnected: Bool
        public var connectMs: Int?
        public var plainHTTPStatus: Int?
        /// ok | stalled | failed | unreachable | not-tested
        public var tlsHandshake: TLSHandshake
        public var tlsDetail: String?
        public var tlsBytesReceived: Int?
        public var certificateBytes: Int?
        public var handshakeMs: Int?
        public var tlsTimeoutMs: Int?

        public init(
            tcpConnected: Bool, connectMs: Int? = nil, plainHTTPStatus: Int? = nil,
            tlsHandshake: TLSHandshake = .notTested
        ) {
            self.tcpConnected = tcpConnected
            self.connectMs = connectMs
            self.plainHTTPStatus = plainHTTPStatus
            self.tlsHandshake = tlsHandshake
        }
    }

    /// One direction's DF search. JSON keeps schema 1's flat keys (the wall's place as `lastGoodHop`,
    /// `firstBadHop`, `wallTTL`, `hops`), written and read by hand below.
    public struct PathSide: Sendable, Hashable {
        public var pathMTU: Int?
        public var firstFailing: Int?
        public var verdict: PathVerdict
        public var method: PathMethod
        public var ptbMTU: Int?
        public var ptbSource: String?
        /// The PTB's source does not route back through the interface it arrived on.
        public var ptbRPFRisk: Bool = false
        /// The PTB claims less than 552 (1280 for IPv6): forged or broken.
        public var ptbImplausible: Bool = false
        /// Packets this host's rp_filter dropped while probing.
        public var rpFilterDrops: Int = 0
        /// Where the wall stands, when it was located (probe's `--locate`: the hops by TTL).
        public var location: WallLocation?
        public var localMTU: Int?
        public var cachedPMTU: Int?
        /// With verdict partial: sizes above this could not be measured (a learned PMTU bounds TCP methods).
        public var measuredUpTo: Int?
        /// Forward echo only: echo replies over this size never came back although one-way probes show the
        /// requests arrive (evidence about the reverse direction).
        public var echoRepliesLostAbove: Int?
        public var ladder: [Rung] = []
        public var explanation: String = ""

        public init(verdict: PathVerdict, method: PathMethod, pathMTU: Int? = nil) {
            self.verdict = verdict
            self.method = method
            self.pathMTU = pathMTU
        }

        /// This direction's wall, measured.
        public var wall: Wall {
            Wall(largestPassing: pathMTU, smallestFailing: firstFailing, place: location.map(Wall.Place.measured))
        }
    }

    /// One size of the forward ladder as diagnose shows it: the probe's outcome in four words (the chart's colours).
    public struct Rung: Sendable, Hashable, Codable {
        public var size: Int
        public var outcome: Outcome
        public var attempts: Int

        /// passed (answered: an echo reply or a UDP probe's "port unreachable"), ptb (ICMP "too big"), lost (no
        /// answer), local (this host refused to send it). The raw values are the JSON spelling and the chart's
        /// class names.
        public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
            case passed, ptb, lost, local

            public init(_ outcome: ProbeOutcome) {
                if outcome.answered {
                    self = .passed
                    return
                }
                switch outcome {
                case .ptb: self = .ptb
                case .localLimit: self = .local
                default: self = .lost
                }
            }

            public var description: String { rawValue }
        }

        public init(size: Int, outcome: Outcome, attempts: Int) {
            self.size = size
            self.outcome = outcome
            self.attempts = attempts
        }

        /// A probe's ladder step, its outcome in four words.
        public init(_ step: SearchResult.LadderStep) {
            self.init(size: step.size, outcome: Outcome(step.outcome), attempts: step.attempts)
        }
    }

    /// This host (this network namespace): what decides the sizes it sends and the ICMP it accepts.
    public struct Host: Sendable, Hashable, Codable {
        public var interface: String?
        public var interfaceMTU: Int?
        /// rp_filter on the interface toward the target (0 off, 1 strict, 2 loose).
        public var rpFilter: Int?
        public var tcpMTUProbing: Int?
        /// TCPMSS / maxseg rules found (iptables-save, nft), with the value they set (nil: clamp to PMTU).
        public var mssClamps: [MSSClamp] = []
        /// Whether the rule tables could be read at all (no root, no tools: unknown rather than "none").
        public var mssClampsKnown: Bool = false
        public var tunnels: [Tunnel] = []
        /// Running in a Kubernetes pod (service account mounted or KUBERNETES_SERVICE_HOST set).
        public var inPod: Bool = false
        /// A path MTU this host had learned toward the target before the run (route exception), and whether it was
        /// set aside so the TCP measurements could see past it.
        public var learnedPMTU: Int?
        public var learnedPMTUSetAside: Bool?

        public init() {}
    }

    public struct MSSClamp: Sendable, Hashable, Codable {
        public var rule: String
        public var mss: Int?

        public init(rule: String, mss: Int?) {
            self.rule = rule
            self.mss = mss
        }
    }

    public struct Tunnel: Sendable, Hashable, Codable {
        public var name: String
        /// vxlan, geneve, wireguard, ipip, gre, …
        public var kind: String
        public var mtu: Int
        /// Encapsulation bytes for an IPv4 underlay, when known.
        public var overhead: Int?

        public init(name: String, kind: String, mtu: Int, overhead: Int?) {
            self.name = name
            self.kind = kind
            self.mtu = mtu
            self.overhead = overhead
        }
    }

    /// What a capture of the probe traffic showed.
    public struct Capture: Sendable, Hashable, Codable {
        public var file: String
        public var packets: Int
        public var verdict: CaptureVerdict
        public var conclusion: String
        public var kinds: [FindingKind]
        /// A PTB reached the capture point (with its MTU).
        public var ptbMTUs: [Int]

        public init(
            file: String, packets: Int, verdict: CaptureVerdict, conclusion: String, kinds: [FindingKind],
            ptbMTUs: [Int]
        ) {
            self.file = file
            self.packets = packets
            self.verdict = verdict
            self.conclusion = conclusion
            self.kinds = kinds
            self.ptbMTUs = ptbMTUs
        }
    }

    /// What a topology file says about this path: check's wall for the flow and its verdict. JSON keeps schema 1's
    /// keys: the bottleneck as one text, "node interface (layer)", and its reason beside it.
    public struct Topology: Sendable, Hashable {
        public var file: String
        public var flow: String
        public var expectedPathMTU: Int
        /// The configured bottleneck (check's, for the flow's forward direction).
        public var bottleneck: Bottleneck
        /// The MTU the bottleneck's own configuration displays (before inheritance), when it differs.
        public var displayedMTU: Int?
        public var expectedVerdict: Verdict
        public var findings: [Finding] = []

        public init(
            file: String, flow: String, expectedPathMTU: Int, bottleneck: Bottleneck, displayedMTU: Int?,
            expectedVerdict: Verdict
        ) {
            self.file = file
            self.flow = flow
            self.expectedPathMTU = expectedPathMTU
            self.bottleneck = bottleneck
            self.displayedMTU = displayedMTU
            self.expectedVerdict = expectedVerdict
        }

        /// The bottleneck as reports name it: "node interface (layer)".
        public var bottleneckText: String {
            "\(bottleneck.place) (\(bottleneck.layer))"
        }

        /// The wall the file predicts.
        public var wall: Wall {
            Wall(largestPassing: expectedPathMTU, smallestFailing: nil, place: .modelled(bottleneck))
        }
    }
}

extension DiagnosisEvidence.PathSide: Codable {
    private enum CodingKeys: String, CodingKey {
        case pathMTU, firstFailing, verdict, method, ptbMTU, ptbSource, ptbRPFRisk, ptbImplausible, rpFilterDrops
        case lastGoodHop, firstBadHop, wallTTL, hops
        case localMTU, cachedPMTU, measuredUpTo, echoRepliesLostAbove, ladder, explanation
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(pathMTU, forKey: .pathMTU)
        try container.encodeIfPresent(firstFailing, forKey: .firstFailing)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(method, forKey: .method)
        try container.encodeIfPresent(ptbMTU, forKey: .ptbMTU)
        try container.encodeIfPresent(ptbSource, forKey: .ptbSource)
        try container.encode(ptbRPFRisk, forKey: .ptbRPFRisk)
        try container.encode(ptbImplausible, forKey: .ptbImplausible)
        try container.encode(rpFilterDrops, forKey: .rpFilterDrops)
        try container.encodeIfPresent(location?.lastGoodHop, forKey: .lastGoodHop)
        try container.encodeIfPresent(location?.firstBadHop, forKey: .firstBadHop)
        try container.encodeIfPresent(location?.ttl, forKey: .wallTTL)
        try container.encode(location?.hops ?? [], forKey: .hops)
        try container.encodeIfPresent(localMTU, forKey: .localMTU)
        try container.encodeIfPresent(cachedPMTU, forKey: .cachedPMTU)
        try container.encodeIfPresent(measuredUpTo, forKey: .measuredUpTo)
        try container.encodeIfPresent(echoRepliesLostAbove, forKey: .echoRepliesLostAbove)
        try container.encode(ladder, forKey: .ladder)
        try container.encode(explanation, forKey: .explanation)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            verdict: try container.decode(PathVerdict.self, forKey: .verdict),
            method: try container.decode(PathMethod.self, forKey: .method),
            pathMTU: try container.decodeIfPresent(Int.self, forKey: .pathMTU))
        firstFailing = try container.decodeIfPresent(Int.self, forKey: .firstFailing)
        ptbMTU = try container.decodeIfPresent(Int.self, forKey: .ptbMTU)
        ptbSource = try container.decodeIfPresent(String.self, forKey: .ptbSource)
        ptbRPFRisk = try container.decode(Bool.self, forKey: .ptbRPFRisk)
        ptbImplausible = try container.decode(Bool.self, forKey: .ptbImplausible)
        rpFilterDrops = try container.decode(Int.self, forKey: .rpFilterDrops)
        let lastGood = try container.decodeIfPresent(String.self, forKey: .lastGoodHop)
        let firstBad = try container.decodeIfPresent(String.self, forKey: .firstBadHop)
        let ttl = try container.decodeIfPresent(Int.self, forKey: .wallTTL)
        let hops = try container.decode([String?].self, forKey: .hops)
        if lastGood != nil || firstBad != nil || ttl != nil || !hops.isEmpty {
            location = WallLocation(lastGoodHop: lastGood, firstBadHop: firstBad, ttl: ttl, hops: hops)
        }
        localMTU = try container.decodeIfPresent(Int.self, forKey: .localMTU)
        cachedPMTU = try container.decodeIfPresent(Int.self, forKey: .cachedPMTU)
        measuredUpTo = try container.decodeIfPresent(Int.self, forKey: .measuredUpTo)
        echoRepliesLostAbove = try container.decodeIfPresent(Int.self, forKey: .echoRepliesLostAbove)
        ladder = try container.decode([DiagnosisEvidence.Rung].self, forKey: .ladder)
        explanation = try container.decode(String.self, forKey: .explanation)
    }
}

/// Written, never read: schema 1 carries the bottleneck as text without its role and MTU, so a document could not give
/// the value back whole (diagnose's documents are outputs; nothing reads them in).
extension DiagnosisEvidence.Topology: Encodable {
    private enum CodingKeys: String, CodingKey {
        case file, flow, expectedPathMTU, bottleneck, bottleneckReason, displayedMTU, expectedVerdict, findings
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(flow, forKey: .flow)
        try container.encode(expectedPathMTU, forKey: .expectedPathMTU)
        try container.encode(bottleneckText, forKey: .bottleneck)
        try container.encode(bottleneck.reason, forKey: .bottleneckReason)
        try container.encodeIfPresent(displayedMTU, forKey: .displayedMTU)
        try container.encode(expectedVerdict, forKey: .expectedVerdict)
        try container.encode(findings, forKey: .findings)
    }
}
