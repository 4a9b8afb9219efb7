/// What a CNI is configured to do with MTU, read from the objects it keeps in the API (pure: objects in, settings
/// out), the way the CNI itself reads them: each knob with its precedence, the bytes the CNI reserves, the install
/// method and the names the fix must use. The rules and their upstream sources are in ``CNIRules`` and docs/cni.md.
public struct CNISettings: Sendable, Codable, Equatable {
    public var name: Name
    /// How it was recognised (a DaemonSet, a ConfigMap, a CRD object).
    public var detectedBy: [String]
    /// Encapsulation the wire carries between nodes as our size math names it (`vxlan`, `geneve`, `ipip`,
    /// `wireguard`, a stack like `vxlan+wireguard`, `udp` for Flannel's user-space backend), or `none`.
    public var encapsulation: WireEncapsulation
    /// Encapsulation used only between nodes of different subnets (Calico's CrossSubnet modes, Flannel's DirectRouting).
    public var crossSubnetOnly: Bool
    /// The pod MTU when a knob fixes it for every node (Calico's veth_mtu or Installation mtu, Flannel's delegate
    /// mtu, AWS POD_MTU; Cilium's or Flannel's base MTU minus what they reserve); nil when each node derives it.
    public var configuredPodMTU: Int?
    /// Every place that holds an MTU value, whether it is the effective one or not.
    public var sources: [Source]
    public var notes: [String]
    /// Which CNI: Calico, Canal (Calico's policy with Flannel's network), Cilium, Flannel, the AWS VPC CNI, or
    /// `unknown` (none recognised). The raw values are the JSON spelling and the names in text.
    public enum Name: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case calico, canal, cilium, flannel
        case awsVPCCNI = "aws-vpc-cni"
        case unknown

        public var description: String { rawValue }
    }

    /// How the CNI was installed: what the fix edits.
    public var install: Install
    /// The CNI's version, from its DaemonSet's image tag.
    public var version: String?
    /// Which rules were applied (version-dependent ones say so), with their upstream source.
    public var rules: String?
    /// Bytes the CNI subtracts from its base MTU (a node's interface, or `baseMTU`) to size pods.
    public var reservedOverhead: Int?
    /// A knob that sets the MTU *below* the overlay (Cilium's `mtu`, Flannel's `Backend.MTU`): pods get it minus
    /// `reservedOverhead`.
    public var baseMTU: Int?
    /// Where the CNI's objects live, for fix commands.
    public var namespace: String?
    public var daemonSet: String?
    public var configMap: String?
    /// Set when Helm renders the CNI's objects (an edit by hand is lost on the next upgrade).
    public var helmRelease: String?
    /// Settings the CNI refuses or ignores (not a number, out of range, an unknown mode): each becomes a finding.
    public var invalid: [String]
    /// Objects the audit needs but was not given (`kubectl get … -o yaml` lines to save them): the audit is incomplete.
    public var missing: [String]
    /// Calico beside another CNI (AWS VPC CNI, Flannel): policy only, it moves no packets.
    public var policyOnly: Bool

    /// How the CNI was installed: by its `operator` (Calico's Installation), a plain `manifest`, `helm`, environment
    /// variables on its DaemonSet (`daemonset-env`, the AWS VPC CNI) or a `configmap`. The raw values are the JSON
    /// spelling.
    public enum Install: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case `operator`, manifest, helm
        case daemonsetEnv = "daemonset-env"
        case configmap

        public var description: String { rawValue }
    }

    public struct Source: Sendable, Codable, Equatable {
        /// e.g. `Installation default .spec.calicoNetwork.mtu`
        public var field: String
        public var value: Int?
        public var effective: Bool
        /// What the value sizes.
        public var sizes: Sizes

        /// `pod` (the pods' MTU), `base` (the network below the overlay: Cilium's mtu, Flannel's Backend.MTU; pods
        /// get it minus the reserved bytes) or `node` (the nodes' own interfaces). The raw values are the JSON
        /// spelling.
        public enum Sizes: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
            case pod, base, node

            public var description: String { rawValue }
        }

        public init(field: String, value: Int?, effective: Bool, sizes: Sizes = .pod) {
            self.field = field
            self.value = value
            self.effective = effective
            self.sizes = sizes
        }
    }

    public init(
        name: Name, detectedBy: [String] = [], encapsulation: String = "none", crossSubnetOnly: Bool = false,
        configuredPodMTU: Int? = nil, sources: [Source] = [], notes: [String] = [], install: Install = .manifest
    ) {
        self.name = name
        self.detectedBy = detectedBy
        self.encapsulation = WireEncapsulation(encapsulation)
        self.crossSubnetOnly = crossSubnetOnly
        self.configuredPodMTU = configuredPodMTU
        self.sources = sources
        self.notes = notes
        self.install = install
        self.invalid = []
        self.missing = []
        self.policyOnly = false
    }

    /// Bytes the wire adds to each pod packet between nodes (0 for native routing).
    public func overhead(underlay: IPVersion) -> Int {
        1500 - largestPodMTU(underlayMTU: 1500, underlay: underlay)
    }

    /// The largest pod MTU whose packets, encapsulated as the wire carries them, fit an underlay path of
    /// `underlayMTU` bytes.
    public func largestPodMTU(underlayMTU: Int, underlay: IPVersion) -> Int {
        encapsulation.largestInnerPacket(outer: underlayMTU, underlay: underlay)
    }

    /// The pod MTU this CNI gives pods on a node whose interface MTU is `nodeMTU`.
    public func podMTU(nodeMTU: Int?) -> Int? {
        if let configuredPodMTU { return configuredPodMTU }
        guard let base = baseMTU ?? nodeMTU else { return nil }
        return base - (reservedOverhead ?? overhead(underlay: .ipv4))
    }
}

public struct KubeAuditReport: Sendable, Codable {
    public var server: String
    public var context: String
    public var verdict: Verdict
    public var summary: String
    public var cni: [CNISettings]
    public var nodes: [Node]
    public var underlay: Underlay
    /// The largest pod MTU that fits the smallest underlay, with the CNI's encapsulation (nil: underlay unknown).
    public var expectedPodMTU: Int?
    /// The pod MTU as configured (nil: auto-detected per node; see nodes[].autoPodMTU).
    public var configuredPodMTU: Int?
    /// The model's one `Finding`; in the JSON each keeps the audit's schema-1 field names (`AuditFindingJSON`).
    public var findings: [Finding]
    public var audited: [String]
    public var gaps: [String]

    public init(
        server: String, context: String, verdict: Verdict, summary: String, cni: [CNISettings], nodes: [Node],
        underlay: Underlay, expectedPodMTU: Int? = nil, configuredPodMTU: Int? = nil, findings: [Finding],
        audited: [String], gaps: [String]
    ) {
        self.server = server
        self.context = context
        self.verdict = verdict
        self.summary = summary
        self.cni = cni
        self.nodes = nodes
        self.underlay = underlay
        self.expectedPodMTU = expectedPodMTU
        self.configuredPodMTU = configuredPodMTU
        self.findings = findings
        self.audited = audited
        self.gaps = gaps
    }

    /// `problems`: at least one error finding; `incomplete`: nothing wrong found, but something that decides the
    /// answer was not read or not known; `ok`: checked and fits.
    public enum Verdict: String, Sendable, Codable, CaseIterable {
        case ok, problems, incomplete
    }

    public struct Node: Sendable, Codable, Equatable {
        public var name: String
        public var internalIP: String?
        public var zone: String?
        public var interfaceMTU: Int?
        /// What the CNI picks on this node when its MTU is auto-detected.
        public var autoPodMTU: Int?
        /// What pods on this node were seen to have (pod-network agent).
        public var observedPodMTU: Int?
        public var rpFilter: Int?
        public var tcpMTUProbing: Int?
        public var source: String?

        public init(
            name: String, internalIP: String? = nil, zone: String? = nil, interfaceMTU: Int? = nil,
            autoPodMTU: Int? = nil, observedPodMTU: Int? = nil, rpFilter: Int? = nil, tcpMTUProbing: Int? = nil,
            source: String? = nil
        ) {
            self.name = name
            self.internalIP = internalIP
            self.zone = zone
            self.interfaceMTU = interfaceMTU
            self.autoPodMTU = autoPodMTU
            self.observedPodMTU = observedPodMTU
            self.rpFilter = rpFilter
            self.tcpMTUProbing = tcpMTUProbing
            self.source = source
        }
    }

    public struct Underlay: Sendable, Codable, Equatable {
        public var interfaceMTUMin: Int?
        public var interfaceMTUMax: Int?
        public var pathMTUMin: Int?
        /// `from → to` of the smallest measured path.
        public var pathMTUPair: String?
        public var given: Int?
        /// The value the expectation uses, and why.
        public var effective: Int?
        public var basis: String
        public var ipVersion: String
        public var encapsulationOverhead: Int

        public init(
            interfaceMTUMin: Int? = nil, interfaceMTUMax: Int? = nil, pathMTUMin: Int? = nil,
            pathMTUPair: String? = nil, given: Int? = nil, effective: Int? = nil, basis: String, ipVersion: String,
            encapsulationOverhead: Int
        ) {
            self.interfaceMTUMin = interfaceMTUMin
            self.interfaceMTUMax = interfaceMTUMax
            self.pathMTUMin = pathMTUMin
            self.pathMTUPair = pathMTUPair
            self.given = given
            self.effective = effective
            self.basis = basis
            self.ipVersion = ipVersion
            self.encapsulationOverhead = encapsulationOverhead
        }
    }
}

// Schema 1 names an audit finding's fields as the audit always has (`id`, `title`, one `detail`, the fixes as the
// commands to run), while check's findings say `kind`, `summary`, `details` and structured fixes: in memory both
// are the one `Finding`, and only the audit's JSON spells it the audit's way. docs/schema/kube.audit.schema.json.
extension KubeAuditReport {
    enum CodingKeys: String, CodingKey {
        case server, context, verdict, summary, cni, nodes, underlay, expectedPodMTU, configuredPodMTU, findings
        case audited, gaps
    }

    /// An audit finding as schema 1 writes it.
    struct AuditFindingJSON: Codable {
        var id: FindingKind
        var severity: Severity
        var title: String
        var detail: String
        /// Commands that apply the fix, in order.
        var fixes: [String]

        init(_ finding: Finding) {
            id = finding.kind
            severity = finding.severity
            title = finding.summary
            detail = finding.details.joined(separator: " ")
            fixes = finding.commands
        }

        var finding: Finding {
            Finding.audit(id: id, severity: severity, title: title, detail: detail, commands: fixes)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(server, forKey: .server)
        try container.encode(context, forKey: .context)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(summary, forKey: .summary)
        try container.encode(cni, forKey: .cni)
        try container.encode(nodes, forKey: .nodes)
        try container.encode(underlay, forKey: .underlay)
        try container.encodeIfPresent(expectedPodMTU, forKey: .expectedPodMTU)
        try container.encodeIfPresent(configuredPodMTU, forKey: .configuredPodMTU)
        try container.encode(findings.map(AuditFindingJSON.init), forKey: .findings)
        try container.encode(audited, forKey: .audited)
        try container.encode(gaps, forKey: .gaps)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            server: try container.decode(String.self, forKey: .server),
            context: try container.decode(String.self, forKey: .context),
            verdict: try container.decode(Verdict.self, forKey: .verdict),
            summary: try container.decode(String.self, forKey: .summary),
            cni: try container.decode([CNISettings].self, forKey: .cni),
            nodes: try container.decode([Node].self, forKey: .nodes),
            underlay: try container.decode(Underlay.self, forKey: .underlay),
            expectedPodMTU: try container.decodeIfPresent(Int.self, forKey: .expectedPodMTU),
            configuredPodMTU: try container.decodeIfPresent(Int.self, forKey: .configuredPodMTU),
            findings: try container.decode([AuditFindingJSON].self, forKey: .findings).map(\.finding),
            audited: try container.decode([String].self, forKey: .audited),
            gaps: try container.decode([String].self, forKey: .gaps))
    }
}

extension Finding {
    /// An audit's finding: one detail paragraph, and the commands that fix it as one `Fix` in the language they are
    /// written in (`linux` for sysctl lines, `kubernetes` for kubectl and Helm). `resolvesCause` is false where the
    /// commands only help (a safety net) or only complete the audit (objects to save, agents to deploy).
    public static func audit(
        id: FindingKind, severity: Severity, title: String, detail: String, commands: [String],
        resolvesCause: Bool = true
    ) -> Finding {
        let vendor = commands.allSatisfy { $0.hasPrefix("sysctl ") } ? "linux" : "kubernetes"
        return Finding(
            severity: severity, kind: id, summary: title, details: [detail],
            fixes: commands.isEmpty
                ? [] : [Fix(title: title, vendor: vendor, commands: commands, resolvesCause: resolvesCause)])
    }
}
