import Foundation

/// What the nodes themselves say (from the agents, or given on the command line).
public struct NodeFact: Sendable, Codable, Equatable {
    public var node: String
    /// The node's interface MTU toward the other nodes (host-network agent, or --node-mtu).
    public var interfaceMTU: Int?
    /// The MTU pods on this node actually have (pod-network agent's interface).
    public var podMTU: Int?
    /// Effective rp_filter toward the other nodes (1 strict drops PTBs whose source routes elsewhere).
    public var rpFilter: Int?
    public var tcpMTUProbing: Int?
    public var source: String

    public init(
        node: String, interfaceMTU: Int? = nil, podMTU: Int? = nil, rpFilter: Int? = nil, tcpMTUProbing: Int? = nil,
        source: String
    ) {
        self.node = node
        self.interfaceMTU = interfaceMTU
        self.podMTU = podMTU
        self.rpFilter = rpFilter
        self.tcpMTUProbing = tcpMTUProbing
        self.source = source
    }
}

/// One measured node-to-node path (host-network agents), fresh results only.
public struct PathFact: Sendable, Codable, Equatable {
    public var from: String
    public var to: String
    public var pathMTU: Int

    public init(from: String, to: String, pathMTU: Int) {
        self.from = from
        self.to = to
        self.pathMTU = pathMTU
    }
}

public struct KubeAuditInput: Sendable {
    public var server: String
    public var context: String
    public var objects: ClusterObjects
    public var nodeFacts: [NodeFact] = []
    public var paths: [PathFact] = []
    /// Measured pod-to-pod paths (pod-network agents), fresh results only: what the pods' packets really cross.
    public var podPaths: [PathFact] = []
    /// --underlay-mtu: the smallest MTU between nodes, when known from elsewhere (a transit gateway's 8500).
    public var underlayMTU: Int?
    /// What was read, and what could not be (one line each).
    public var audited: [String] = []
    public var gaps: [String] = []

    public init(server: String, context: String, objects: ClusterObjects) {
        self.server = server
        self.context = context
        self.objects = objects
    }
}

extension KubeAuditInput {
    /// `--node-mtu`: one value for every node, or NAME=MTU,… per node (576–65535); "*" stands for every node.
    public static func parseNodeMTUs(_ text: String) throws(NodeMTUError) -> [String: Int] {
        var result: [String: Int] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard let value = Int(parts.last ?? ""), (576...65535).contains(value) else {
                throw NodeMTUError(description: "--node-mtu: '\(item)' is not MTU or NAME=MTU (576–65535)")
            }
            result[parts.count == 2 ? parts[0] : "*"] = value
        }
        return result
    }

    public struct NodeMTUError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Node interface MTUs given by hand, as facts: per named node, "*" for every node the objects list (or, with
    /// no Node objects, one fact that stands for every node); names not among the objects add nodes.
    public mutating func addNodeMTUs(_ values: [String: Int]) {
        let names = objects.nodes.compactMap { $0[path: "metadata.name"].string }
        for name in names {
            if let value = values[name] ?? values["*"] {
                nodeFacts.append(NodeFact(node: name, interfaceMTU: value, source: "--node-mtu"))
            }
        }
        if names.isEmpty, let value = values["*"] {
            nodeFacts.append(NodeFact(node: "every node (--node-mtu)", interfaceMTU: value, source: "--node-mtu"))
        }
        for (name, value) in values.sorted(by: { $0.key < $1.key }) where name != "*" && !names.contains(name) {
            nodeFacts.append(NodeFact(node: name, interfaceMTU: value, source: "--node-mtu"))
        }
    }
}

/// The audit in stages: the nodes as the API and the agents describe them, the underlay, one group of findings per
/// concern, then the verdict. Each stage reads what the earlier ones settled (`Scene`) and nothing else.
public enum KubeAuditor {
    public static func audit(_ input: KubeAuditInput) -> KubeAuditReport {
        let scene = Scene(input)
        var findings: [Finding] = []
        findings += scene.unknownCNI()
        findings += scene.podPaths()
        findings += scene.podMTUAgainstUnderlay()
        findings += scene.nodeDisagreements()
        findings += scene.tcpProbing(after: findings)
        findings += scene.settingsDisagree()
        findings += scene.invalidSettings()
        findings += scene.missingObjects()
        findings.sort { rank($0.severity) < rank($1.severity) }
        let (verdict, summary) = scene.conclusion(findings)
        return KubeAuditReport(
            server: input.server, context: input.context, verdict: verdict, summary: summary, cni: scene.cnis,
            nodes: scene.nodes, underlay: scene.underlay, expectedPodMTU: scene.expected,
            configuredPodMTU: scene.configured, findings: findings, audited: input.audited, gaps: input.gaps)
    }

    /// Errors first, then warnings, then notes.
    static func rank(_ severity: Severity) -> Int {
        switch severity {
        case .critical, .error: 0
        case .warning: 1
        case .info: 2
        }
    }

    /// What every finding is judged against: the CNI in charge, the nodes, the underlay and the pod MTU it leaves.
    struct Scene {
        let input: KubeAuditInput
        let cnis: [CNISettings]
        /// The CNI in charge of the pod MTU, or a stand-in with no encapsulation when none was recognised.
        let settings: CNISettings
        let nodes: [KubeAuditReport.Node]
        let underlay: KubeAuditReport.Underlay
        /// The largest pod MTU the underlay leaves with this CNI's encapsulation.
        let expected: Int?
        let configured: Int?
        let missing: [String]

        init(_ input: KubeAuditInput) {
            self.input = input
            let cnis = CNIReader.detect(input.objects)
            let settings = cnis.first ?? CNISettings(name: .unknown, encapsulation: "none")
            let nodes = Self.nodes(input, settings: settings)
            let version = Self.ipVersion(nodes)
            let underlay = Self.underlay(input, nodes: nodes, settings: settings, version: version)
            self.cnis = cnis
            self.settings = settings
            self.nodes = nodes
            self.underlay = underlay
            expected = underlay.effective.map { settings.largestPodMTU(underlayMTU: $0, underlay: version) }
            configured = settings.configuredPodMTU
            missing = cnis.filter { !$0.policyOnly }.flatMap(\.missing)
        }

        /// IPv6 underlay when every node address the API gives is IPv6.
        static func ipVersion(_ nodes: [KubeAuditReport.Node]) -> IPVersion {
            let addresses = nodes.compactMap(\.internalIP)
            return !addresses.isEmpty && addresses.allSatisfy({ $0.contains(":") }) ? .ipv6 : .ipv4
        }

        /// Nodes from the API, with whatever facts the agents or the flags gave (facts for unknown nodes add nodes).
        static func nodes(_ input: KubeAuditInput, settings: CNISettings) -> [KubeAuditReport.Node] {
            var nodes: [KubeAuditReport.Node] = input.objects.nodes.map { node in
                let addresses = node[path: "status.addresses"].array
                let internalIP = addresses.first { $0["type"].string == "InternalIP" }?["address"].string
                return .init(
                    name: node[path: "metadata.name"].string ?? "?", internalIP: internalIP,
                    zone: node["metadata"]["labels"]["topology.kubernetes.io/zone"].string)
            }
            for fact in input.nodeFacts {
                if let index = nodes.firstIndex(where: { $0.name == fact.node || $0.internalIP == fact.node }) {
                    nodes[index].interfaceMTU = fact.interfaceMTU ?? nodes[index].interfaceMTU
                    nodes[index].observedPodMTU = fact.podMTU ?? nodes[index].observedPodMTU
                    nodes[index].rpFilter = fact.rpFilter ?? nodes[index].rpFilter
                    nodes[index].tcpMTUProbing = fact.tcpMTUProbing ?? nodes[index].tcpMTUProbing
                    nodes[index].source = fact.source
                } else {
                    nodes.append(
                        .init(
                            name: fact.node, interfaceMTU: fact.interfaceMTU, observedPodMTU: fact.podMTU,
                            rpFilter: fact.rpFilter, tcpMTUProbing: fact.tcpMTUProbing, source: fact.source))
                }
            }
            for index in nodes.indices {
                if let mtu = nodes[index].interfaceMTU, settings.configuredPodMTU == nil {
                    nodes[index].autoPodMTU = settings.podMTU(nodeMTU: mtu)
                }
            }
            return nodes
        }

        /// The underlay: the smallest of the smallest node interface, the smallest measured path, a given value.
        static func underlay(
            _ input: KubeAuditInput, nodes: [KubeAuditReport.Node], settings: CNISettings, version: IPVersion
        ) -> KubeAuditReport.Underlay {
            let interfaces = nodes.compactMap(\.interfaceMTU)
            let smallestPath = input.paths.min { $0.pathMTU < $1.pathMTU }
            var underlay = KubeAuditReport.Underlay(
                interfaceMTUMin: interfaces.min(), interfaceMTUMax: interfaces.max(),
                pathMTUMin: smallestPath?.pathMTU, pathMTUPair: smallestPath.map { "\($0.from) → \($0.to)" },
                given: input.underlayMTU, effective: nil, basis: "unknown",
                ipVersion: version == .ipv6 ? "ipv6" : "ipv4",
                encapsulationOverhead: settings.overhead(underlay: version)
            )
            var candidates: [(Int, String)] = []
            if let value = interfaces.min() { candidates.append((value, "the smallest node interface")) }
            if let path = smallestPath {
                candidates.append((path.pathMTU, "the smallest path measured between nodes, \(path.from) → \(path.to)"))
            }
            if let given = input.underlayMTU { candidates.append((given, "given with --underlay-mtu")) }
            if let smallest = candidates.min(by: { $0.0 < $1.0 }) {
                underlay.effective = smallest.0
                underlay.basis = smallest.1
            }
            return underlay
        }

        func fix(_ mtu: Int) -> [String] {
            fixPlan(settings, objects: input.objects, mtu: mtu, underlayMTU: underlay.effective).map(\.command)
        }

        var encapsulationText: String {
            settings.encapsulation.isNone
                ? "no encapsulation" : "\(settings.encapsulation) (\(underlay.encapsulationOverhead) B)"
        }

        /// No CNI recognised: say which network DaemonSets were seen.
        func unknownCNI() -> [Finding] {
            var findings: [Finding] = []
            if cnis.isEmpty {
                let candidates = input.objects.daemonSets.compactMap { daemonSet -> String? in
                    let name = daemonSet[path: "metadata.name"].string ?? ""
                    let hits = [
                        "cni", "net", "weave", "antrea", "ovn", "ovs", "router", "multus", "kindnet", "canal", "romana",
                    ]
                    return hits.contains { name.lowercased().contains($0) }
                        ? "\(daemonSet[path: "metadata.namespace"].string ?? "")/\(name)" : nil
                }
                findings.append(
                    .audit(
                        id: .cniUnknown, severity: .warning, title: "No known CNI found",
                        detail:
                            "No Calico, Cilium, Flannel or AWS VPC CNI objects were readable\(candidates.isEmpty ? "" : " (network DaemonSets seen: \(candidates.prefix(6).joined(separator: ", ")))"); the audit compares what the pod-network agents saw (pod MTU, pod-to-pod paths) with the underlay.",
                        commands: []))
            }
            return findings
        }

        /// CNI-independent: the pods' own MTU against the pod-to-pod paths the pod-network agents measured.
        func podPaths() -> [Finding] {
            var findings: [Finding] = []
            // CNI-independent: the pods' own MTU against the pod-to-pod paths the pod-network agents measured.
            if let smallest = input.podPaths.min(by: { $0.pathMTU < $1.pathMTU }) {
                let podMTU = nodes.compactMap(\.observedPodMTU).max() ?? configured
                if let podMTU, smallest.pathMTU < podMTU {
                    let limited = input.podPaths.filter { $0.pathMTU < podMTU }
                    findings.append(
                        .audit(
                            id: .podPathBelowPodMTU, severity: .error,
                            title:
                                "Pods send up to \(podMTU) B but \(limited.count) pod-to-pod path(s) carry only \(smallest.pathMTU)",
                            detail:
                                "Measured by the pod-network agents: \(limited.prefix(6).map { "\($0.from) → \($0.to) \($0.pathMTU)" }.joined(separator: ", "))\(limited.count > 6 ? " …" : ""). Full-size packets between these pods need PMTUD to work end to end; where it does not, connections hang after the handshake.",
                            commands: fix(smallest.pathMTU)))
                }
            }
            return findings
        }

        /// The configured or auto-detected pod MTU against what the underlay leaves; the path against the interfaces.
        func podMTUAgainstUnderlay() -> [Finding] {
            var findings: [Finding] = []
            if let expected, let effective = underlay.effective {
                if let configured, configured > expected {
                    findings.append(
                        .audit(
                            id: .podMTUTooLarge, severity: .error,
                            title: "Pod MTU \(configured) does not fit the underlay: at most \(expected)",
                            detail:
                                "\(settings.name) gives pods \(configured); with \(encapsulationText) their largest packets leave the node as \(configured + (effective - expected)) B, but the underlay carries only \(effective) (\(underlay.basis)). Large packets between pods on different nodes are dropped\(settings.crossSubnetOnly ? " (encapsulated across subnets only: same-subnet pairs still pass)" : "").",
                            commands: fix(expected)))
                } else if configured == nil {
                    let tooLarge = nodes.filter { ($0.autoPodMTU ?? 0) > expected }
                    if !tooLarge.isEmpty {
                        let picked = Set(tooLarge.compactMap(\.autoPodMTU)).sorted().map(String.init).joined(
                            separator: "/")
                        findings.append(
                            .audit(
                                id: .autoMTUExceedsPath, severity: .error,
                                title:
                                    "Auto-detected pod MTU \(picked) exceeds what the path between nodes leaves for pods (\(expected))",
                                detail:
                                    "\(settings.name) sizes pods from each node's own interface: \(tooLarge.map(\.name).prefix(8).joined(separator: ", "))\(tooLarge.count > 8 ? " and \(tooLarge.count - 8) more" : "") get \(picked), but the underlay carries only \(effective) (\(underlay.basis)) and \(encapsulationText) leaves \(expected) for pods. Configured MTU is not path MTU: set it explicitly.",
                                commands: fix(expected)))
                    }
                }
                if configured == nil, nodes.allSatisfy({ $0.autoPodMTU == nil }) {
                    findings.append(
                        .audit(
                            id: .autoMTUUnknown, severity: .info,
                            title:
                                "\(settings.name) picks the pod MTU on each node, and no node's interface MTU is known",
                            detail:
                                "Auto-detection gives each node's interface MTU minus \(encapsulationText); whether that fits the underlay's \(effective) cannot be told without the nodes' MTUs. Run the host-network agents (--agents cluster) or give --node-mtu. Setting the MTU explicitly to \(expected) removes the question.",
                            commands: fix(expected)))
                }
                if let configured, configured < expected {
                    findings.append(
                        .audit(
                            id: .podMTUBelowPath, severity: .info,
                            title:
                                "Pod MTU \(configured) is \(expected - configured) B below what the underlay allows (\(expected))",
                            detail:
                                "Safe, but every packet is smaller than it could be: the underlay carries \(effective) (\(underlay.basis)) and \(encapsulationText) leaves \(expected).",
                            commands: fix(expected)))
                }
                if let pathMin = underlay.pathMTUMin, let interfaceMin = underlay.interfaceMTUMin,
                    pathMin < interfaceMin
                {
                    findings.append(
                        .audit(
                            id: .pathBelowInterfaces, severity: .warning,
                            title:
                                "The path between nodes carries \(pathMin), less than every node interface (\(interfaceMin)+)",
                            detail:
                                "Measured \(underlay.pathMTUPair ?? ""): a hop between the nodes (a gateway, a firewall, a VLAN interface) is smaller than the nodes believe. Anything sized from interface MTUs (CNI auto-detection, the nodes' own TCP MSS) overshoots it unless PMTUD works end to end.",
                            commands: []))
                }
            } else {
                findings.append(
                    .audit(
                        id: .underlayUnknown, severity: .info,
                        title: "Node MTUs unknown: the pod MTU could not be checked against the underlay",
                        detail:
                            "The Kubernetes API does not carry interface MTUs. Run the host-network agents (mtu-doctor kube deploy) so the audit reads them, or give --node-mtu / --underlay-mtu.",
                        commands: ["mtu-doctor kube deploy --dry-run | kubectl apply -f -"], resolvesCause: false))
            }
            return findings
        }

        /// Nodes that disagree: stale pod MTUs, mixed interface MTUs, strict rp_filter.
        func nodeDisagreements() -> [Finding] {
            var findings: [Finding] = []
            // Observed pod MTUs (pod-network agents) that differ from the configuration: pods not restarted since a change.
            if let configured {
                let stale = nodes.filter { $0.observedPodMTU != nil && $0.observedPodMTU != configured }
                if !stale.isEmpty {
                    findings.append(
                        .audit(
                            id: .podsNotUpdated, severity: .warning,
                            title:
                                "Pods on \(stale.count) node(s) run with an MTU other than the configured \(configured)",
                            detail: stale.prefix(8).map { "\($0.name): \($0.observedPodMTU!)" }.joined(separator: ", ")
                                + ". An MTU change reaches only pods created after it (and nodes whose CNI agent restarted).",
                            commands: [
                                "kubectl rollout restart deployment,daemonset,statefulset -n NAMESPACE   # per namespace, or drain the nodes one by one"
                            ]))
                }
            }
            let interfaces = nodes.compactMap(\.interfaceMTU)
            if Set(interfaces).count > 1 {
                let groups = Dictionary(grouping: nodes.filter { $0.interfaceMTU != nil }, by: { $0.interfaceMTU! })
                findings.append(
                    .audit(
                        id: .nodeMTUMixed, severity: configured == nil ? .warning : .info,
                        title:
                            "Node interfaces disagree: \(groups.keys.sorted().map(String.init).joined(separator: ", "))",
                        detail: groups.keys.sorted().map {
                            "\($0): \(groups[$0]!.map(\.name).prefix(6).joined(separator: ", "))\(groups[$0]!.count > 6 ? " …" : "")"
                        }.joined(separator: "; ")
                            + (configured == nil
                                ? ". With auto-detection pods on the larger nodes get a larger MTU than the smaller nodes can take."
                                : "."),
                        commands: []))
            }
            let strict = nodes.filter { $0.rpFilter == 1 }
            if !strict.isEmpty {
                findings.append(
                    .audit(
                        id: .strictRPFilter, severity: .warning,
                        title:
                            "Strict rp_filter on \(strict.count) node(s): PMTUD fails when a too-big comes from an address routed elsewhere",
                        detail:
                            "\(strict.prefix(8).map(\.name).joined(separator: ", "))\(strict.count > 8 ? " …" : ""): rp_filter=1 drops an ICMP fragmentation-needed whose source (a switch's management address, a gateway's other leg) does not route back through the interface it arrived on; the sender never learns the path MTU. Loose mode (2) keeps the anti-spoofing check for unknown sources.",
                        commands: [
                            "sysctl -w net.ipv4.conf.all.rp_filter=2   # on each node; persist it in /etc/sysctl.d/ (some CNIs set their own interfaces' value)"
                        ]))
            }
            return findings
        }

        /// tcp_mtu_probing off matters only where packets are already lost (an error, or strict rp_filter).
        func tcpProbing(after earlier: [Finding]) -> [Finding] {
            var findings: [Finding] = []
            let noProbing = nodes.filter { $0.tcpMTUProbing == 0 }
            if !noProbing.isEmpty,
                earlier.contains(where: { $0.severity == .error }) || nodes.contains(where: { $0.rpFilter == 1 })
            {
                findings.append(
                    .audit(
                        id: .tcpMTUProbingOff, severity: .info,
                        title:
                            "tcp_mtu_probing is off on \(noProbing.count) node(s): TCP into a black hole stalls instead of shrinking",
                        detail:
                            "With 1, the kernel lowers the segment size after repeated timeouts on a connection (RFC 4821): a safety net, not a fix.",
                        commands: [
                            "sysctl -w net.ipv4.tcp_mtu_probing=1   # on each node; persist it in /etc/sysctl.d/"
                        ], resolvesCause: false))
            }
            return findings
        }

        /// The CNI's own MTU settings that disagree with each other.
        func settingsDisagree() -> [Finding] {
            var findings: [Finding] = []
            let compared = settings.sources.filter {
                $0.sizes == .pod && ($0.effective || !$0.field.hasPrefix("DaemonSet"))
            }
            let values = Set(compared.compactMap(\.value))
            if values.count > 1 {
                findings.append(
                    .audit(
                        id: .mtuSettingsDisagree, severity: .warning,
                        title:
                            "\(settings.name)'s MTU settings disagree: \(values.sorted().map(String.init).joined(separator: ", "))",
                        detail: compared.filter { $0.value != nil }.map {
                            "\($0.field) = \($0.value!)\($0.effective ? " (in effect)" : "")"
                        }.joined(separator: "; ") + ".",
                        commands: expected.map { fix($0) } ?? []))
            }
            return findings
        }

        /// Values a CNI cannot use.
        func invalidSettings() -> [Finding] {
            var findings: [Finding] = []
            for cni in cnis {
                for problem in cni.invalid {
                    findings.append(
                        .audit(
                            id: .cniSettingInvalid, severity: .error,
                            title: "\(cni.name): an MTU setting the CNI cannot use",
                            detail: problem + ". Until it is a valid value, the CNI does not run as configured.",
                            commands: cni.name == settings.name ? (expected.map { fix($0) } ?? []) : []))
                }
            }
            return findings
        }

        /// Objects that decide the MTU but were not given: the audit is incomplete.
        func missingObjects() -> [Finding] {
            var findings: [Finding] = []
            let missing = self.missing
            if !missing.isEmpty {
                findings.append(
                    .audit(
                        id: .cniObjectsMissing, severity: .info,
                        title: "Incomplete: objects that decide the MTU were not given",
                        detail:
                            "\(settings.name)'s MTU depends on objects this audit did not see; what it assumed is in the notes. Save them too and audit again.",
                        commands: missing, resolvesCause: false))
            }
            return findings
        }

        /// The verdict and the one-line summary.
        func conclusion(_ findings: [Finding]) -> (KubeAuditReport.Verdict, String) {
            let errors = findings.filter { $0.severity == .error }.count
            let unknownAuto = findings.contains { $0.kind == .autoMTUUnknown }
            let verdict: KubeAuditReport.Verdict =
                errors > 0
                ? .problems
                : (!input.gaps.isEmpty || expected == nil || unknownAuto || !missing.isEmpty ? .incomplete : .ok)
            var summary: String
            if errors > 0 {
                summary =
                    "\(errors) MTU problem(s): "
                    + findings.filter { $0.severity == .error }.map(\.summary).joined(separator: "; ")
            } else if unknownAuto, let expected {
                summary =
                    "\(settings.name) pod MTU auto: node MTUs unknown, so whether it fits the underlay (at most \(expected)) cannot be told"
            } else if let expected {
                summary =
                    "\(settings.name) pod MTU \(configured.map(String.init) ?? "auto") fits the underlay (at most \(expected))"
            } else {
                summary = "\(settings.name) pod MTU \(configured.map(String.init) ?? "auto"); the underlay is unknown"
            }
            if !input.gaps.isEmpty { summary += "; \(input.gaps.count) part(s) not readable" }
            if !missing.isEmpty && errors == 0 {
                summary += "; incomplete: save \(missing.count) more object(s) (see the findings)"
            }
            return (verdict, summary)
        }
    }
}
