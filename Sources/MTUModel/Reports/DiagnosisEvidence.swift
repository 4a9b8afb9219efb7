/// Everything `diagnose` observed, as plain values: the input of the diagnosis rules (pure, so every rule can be
/// tested with evidence written by hand). Nil means "not observed", never "false".
public struct DiagnosisEvidence: Sendable, Hashable, Codable {
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

    /// One direction's DF search.
    public struct PathSide: Sendable, Hashable, Codable {
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
        public var lastGoodHop: String?
        public var firstBadHop: String?
        public var wallTTL: Int?
        /// Hop addresses by TTL as small probes saw them.
        public var hops: [String?] = []
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
                switch outcome {
                case .passed, .unreachable: self = .passed
                case .ptb: self = .ptb
                case .localLimit: self = .local
                case .silent, .timeExceeded: self = .lost
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
        public var kinds: [CaptureFindingKind]
        /// A PTB reached the capture point (with its MTU).
        public var ptbMTUs: [Int]

        public init(
            file: String, packets: Int, verdict: CaptureVerdict, conclusion: String, kinds: [CaptureFindingKind],
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

    /// What a topology file says about this path.
    public struct Topology: Sendable, Hashable, Codable {
        public var file: String
        public var flow: String
        public var expectedPathMTU: Int
        /// node interface (layer): the configured bottleneck.
        public var bottleneck: String
        public var bottleneckReason: String
        /// The MTU the bottleneck's own configuration displays (before inheritance), when it differs.
        public var displayedMTU: Int?
        public var expectedVerdict: String
        public var findings: [Finding] = []

        public init(
            file: String, flow: String, expectedPathMTU: Int, bottleneck: String, bottleneckReason: String,
            displayedMTU: Int?, expectedVerdict: String
        ) {
            self.file = file
            self.flow = flow
            self.expectedPathMTU = expectedPathMTU
            self.bottleneck = bottleneck
            self.bottleneckReason = bottleneckReason
            self.displayedMTU = displayedMTU
            self.expectedVerdict = expectedVerdict
        }
    }
}
