/// Turns flow results and the configuration into ranked, de-duplicated findings with fixes.
struct FindingBuilder {
    let network: Network
    let flows: [FlowResult]

    private struct WallKey: Hashable {
        var node: String
        var interface: String?
        var segment: String?
        var fate: FateKind
        var lossReason: PathFate.LossReason?
    }

    private struct Occurrence {
        var flow: FlowResult
        var direction: DirectionResult
        var label: String
    }

    func build() -> [Finding] {
        var groups: [WallKey: [Occurrence]] = [:]
        var order: [WallKey] = []
        for flow in flows {
            for leg in flow.legs {
                for (label, direction) in [("forward", leg.forward), ("reverse", leg.reverse)] {
                    guard direction.verdict != .ok || direction.latent else { continue }
                    let fate = direction.fate
                    let node = fate.node ?? direction.bottleneck.node
                    let key = WallKey(
                        node: node,
                        interface: rootInterface(
                            node: node, interface: fate.interface ?? direction.bottleneck.interface),
                        segment: direction.bottleneck.segment, fate: fate.kind, lossReason: fate.lossReason)
                    if groups[key] == nil { order.append(key) }
                    groups[key, default: []].append(Occurrence(flow: flow, direction: direction, label: label))
                }
            }
        }
        var findings = order.map { wallFinding(groups[$0]!) }
        // Interfaces already reported as walls are not reported again as configuration problems.
        var walls: Set<String> = []
        for key in order {
            for occurrence in groups[key]! {
                for interface in [
                    occurrence.direction.fate.interface, occurrence.direction.bottleneck.interface, key.interface,
                ].compactMap({ $0 }) {
                    walls.insert("\(key.node)/\(interface)")
                }
            }
        }
        findings += configurationFindings(excluding: walls)
        return findings.enumerated().sorted { a, b in
            if a.element.severity != b.element.severity { return a.element.severity > b.element.severity }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// The interface whose limit really applies: the parent when a sub-interface only inherits or is capped by it.
    private func rootInterface(node: String, interface: String?) -> String? {
        guard let interface, let owner = network.node(named: node),
            let parent = owner.interface(named: interface)?.parent
        else { return interface }
        let effective = network.effectiveMTUs(of: node)
        guard let own = effective[interface], let parentValue = effective[parent], own.mtu == parentValue.mtu,
            owner.interface(named: interface)?.mtu.map({ $0 > parentValue.mtu }) ?? true
        else { return interface }
        return rootInterface(node: node, interface: parent)
    }

    private func wallFinding(_ occurrences: [Occurrence]) -> Finding {
        let worst = occurrences.max { $0.direction.verdict < $1.direction.verdict }!
        let direction = worst.direction
        let bottleneck = direction.bottleneck
        let fate = direction.fate
        let latentOnly = occurrences.allSatisfy { $0.direction.verdict == .ok }
        let severity: Severity
        switch (latentOnly, direction.verdict, fate.kind) {
        case (true, _, .ptbReturned), (true, _, .fragmented): severity = .info
        case (true, _, _): severity = .warning
        case (false, .blackhole, _): severity = .error
        default: severity = .warning
        }
        let overlay = bottleneck.overlay.flatMap { name in network.topology.overlays.first { $0.name == name } }
        // The packet size that must pass at the wall, at the wall's own layer.
        let required = bottleneck.mtu + (direction.largestPacketSent - direction.pathMTU)
        let wallInterfaces = Array(
            Set(occurrences.compactMap { $0.direction.fate.interface ?? $0.direction.bottleneck.interface })
        ).sorted()
        let root = rootInterface(node: fate.node ?? bottleneck.node, interface: fate.interface ?? bottleneck.interface)
        let interfaceText: String? = {
            guard bottleneck.segment == nil, !wallInterfaces.isEmpty else { return nil }
            if let root, !wallInterfaces.contains(root) {
                return "\(wallInterfaces.joined(separator: " and ")) (on parent \(root))"
            }
            return wallInterfaces.joined(separator: " and ")
        }()
        let place = [fate.node ?? bottleneck.node, interfaceText].compactMap { $0 }.joined(separator: " ")
        let what =
            overlay.map { "\($0.name) \($0.encapsulation.name) packets (up to \(required) bytes)" }
            ?? "packets up to \(required) bytes"
        let (kind, outcome) = wallKind(fate, bottleneck: bottleneck)
        let flowNames = Array(
            Set(occurrences.map { "\($0.flow.name) (\($0.label)\($0.direction.verdict == .ok ? ", latent" : ""))" })
        ).sorted()
        let prefix = latentOnly ? "Latent: " : ""
        let verb = wallInterfaces.count > 1 && bottleneck.segment == nil ? "pass" : "passes"
        let summary =
            "\(prefix)\(place) \(verb) at most \(bottleneck.mtu) bytes (\(bottleneck.reason)); \(what) exceed it and \(outcome). Path MTU \(direction.pathMTU)."
        var details = [
            "Bottleneck: \(bottleneck.place) on the \(bottleneck.layer) — \(bottleneck.reason).",
            "Largest packet sent: \(direction.largestPacketSent) (\(direction.from) → \(direction.to)); largest that passes: \(direction.pathMTU).",
        ]
        details += direction.events
        if latentOnly { details.append("The flows' current messages fit; larger ones will hit this wall.") }
        if let node = network.node(named: bottleneck.node), node.vendor == .aws || node.vendor == .gcp {
            details.append(
                "\(node.name)'s MTU (\(bottleneck.mtu)) is fixed by the cloud provider: the senders must fit it.")
        }
        return Finding(
            severity: severity, kind: kind, summary: summary, details: details, node: fate.node ?? bottleneck.node,
            interface: bottleneck.segment == nil ? (fate.interface ?? bottleneck.interface) : nil,
            flows: flowNames, fixes: fixes(for: occurrences, direction: direction, overlay: overlay, required: required)
        )
    }

    /// The finding's kind and what happens to the packets over the wall, from the fate at the wall: dropped at
    /// layer 2, on arrival or with no ICMP; a PTB lost to rp_filter, a filter or a tunnel endpoint; fragmented;
    /// repaired by PMTUD; or not met yet (latent).
    private func wallKind(_ fate: Fate, bottleneck: Bottleneck) -> (kind: FindingKind, outcome: String) {
        switch fate.outcome {
        case .silentDrop:
            let forwarder = network.node(named: bottleneck.node)?.forwards ?? false
            if bottleneck.role == .segment || (bottleneck.role == .receiver && !forwarder) {
                return (.l2MTUMismatch, "they are dropped silently at layer 2 (no ICMP exists for this)")
            } else if bottleneck.role == .receiver {
                return (
                    .ingressDrop, "they are dropped on arrival, before routing, so no ICMP \"too big\" is ever sent"
                )
            }
            return (.noPTBSent, "they are dropped and no ICMP \"too big\" is sent")
        case .ptbLost(let hop, let ptb, let reason):
            switch reason {
            case .rpFilter:
                return (
                    .ptbLostRPFilter,
                    "the ICMP \"too big\" from \(ptb?.source ?? "?") is dropped by reverse-path filtering on \(ptb?.receiver ?? "the sender")"
                )
            case .filtered:
                return (.ptbFiltered, "the ICMP \"too big\" is filtered on its way back")
            case .notRelayed:
                guard let receiver = ptb?.receiver else {
                    return (
                        .ptbNotRelayed,
                        "the tunnel endpoint \(hop.node) drops them and never tells the pod that sent the packet"
                    )
                }
                return (
                    .ptbNotRelayed,
                    "the ICMP \"too big\" reaches the tunnel endpoint \(receiver) and never the pod that sent the packet"
                )
            case .policy:
                return (.ptbBlockedByPolicy, "the ICMP \"too big\" is dropped by the receiver's policy")
            }
        case .fragmented:
            return (.fragmentation, "they are fragmented")
        case .ptbReturned(_, let ptb):
            return (.pmtudDependent, "traffic depends on PMTUD (ICMP \"too big\" from \(ptb.source))")
        case .delivered:
            return (.latentWall, "they would be dropped")
        }
    }

    private func fixes(for occurrences: [Occurrence], direction: DirectionResult, overlay: Overlay?, required: Int)
        -> [Fix]
    {
        var fixes: [Fix] = []
        let bottleneck = direction.bottleneck
        // 1. Remove the wall.
        if let segmentName = bottleneck.segment,
            let segment = network.topology.segments.first(where: { $0.name == segmentName })
        {
            let switchNode = segment.switches.first.flatMap { network.node(named: $0) }
            var fix = Fixes.raiseMTU(
                node: switchNode, nodeName: segment.switches.first ?? "the switches",
                interfaces: ["<every port in \(segmentName)>"], to: required)
            fix.title = "Carry \(required)-byte packets on every switch port of segment \(segmentName)"
            fix.note = "An L2 segment drops oversize frames without ICMP; all ports (and the hosts on them) must agree."
            fixes.append(fix)
        } else if let node = network.node(named: bottleneck.node) {
            var parent: String?
            if let interfaceName = bottleneck.interface, let interface = node.interface(named: interfaceName),
                let parentName = interface.parent
            {
                let effective = network.effectiveMTUs(of: node.name)
                if let parentMTU = effective[parentName]?.mtu, parentMTU < required { parent = parentName }
            }
            let configured = bottleneck.interface.flatMap { node.interface(named: $0)?.mtu } ?? 0
            guard node.vendor != .aws, node.vendor != .gcp else {
                return fixesAroundFixedWall(
                    occurrences, direction: direction, overlay: overlay, required: required, wallIsFixed: true)
            }
            // Every sub-interface of the same parent that this wall involves, so the fix matches what the device needs.
            let siblings = Array(
                Set(occurrences.compactMap { $0.direction.fate.interface ?? $0.direction.bottleneck.interface })
            ).sorted()
            fixes.append(
                Fixes.raiseMTU(
                    node: node, nodeName: node.name,
                    interfaces: parent.map { [$0] + siblings.filter { $0 != parent } } ?? siblings,
                    to: max(required, configured)))
        }
        return fixes
            + fixesAroundFixedWall(
                occurrences, direction: direction, overlay: overlay, required: required, wallIsFixed: false)
    }

    /// Fixes that make senders fit a wall (or repair the ICMP path), for walls that stay where they are.
    private func fixesAroundFixedWall(
        _ occurrences: [Occurrence], direction: DirectionResult, overlay: Overlay?, required: Int, wallIsFixed: Bool
    ) -> [Fix] {
        var fixes: [Fix] = []
        let bottleneck = direction.bottleneck
        let fate = direction.fate
        // 2. Make the senders fit.
        if let overlay {
            var fix = Fixes.lowerPodMTU(
                overlay: overlay, podMTU: direction.pathMTU, underlayMTU: bottleneck.mtu, required: required)
            // Where the wall cannot move (a cloud gateway), fitting the pods to it is the fix.
            fix.resolvesCause = wallIsFixed
            fixes.append(fix)
        }
        // 3. Repair the ICMP path.
        if case .ptbLost(let wall, let ptb?, .rpFilter) = fate.outcome, let receiver = ptb.receiver {
            let source = ptb.source
            var commands: [String] = []
            if let interface = ptb.receiverInterface {
                commands.append(
                    "ip route add \(source)/32 \(ptb.gateway.map { "via \($0) " } ?? "")dev \(interface)   # on \(receiver): the strict check then passes"
                )
            }
            commands.append(
                "configure \(wall.node) to source ICMP errors from the interface the packet arrived on, not \(source)"
            )
            fixes.append(
                Fix(
                    title: "Let the ICMP \"too big\" from \(source) through \(receiver)'s reverse-path filter",
                    vendor: "linux", commands: commands,
                    note:
                        "Setting rp_filter to 2 (loose) is not a production fix: it weakens anti-spoofing on every interface, and it does not help at all when there is no route to \(source). PMTUD repaired this way still costs a lost packet per destination: fix the MTU.",
                    resolvesCause: false))
        }
        if fate.lossReason == .filtered {
            fixes.append(Fixes.allowTooBig())
        }
        if fate.kind == .silentDrop, bottleneck.segment == nil,
            let node = network.node(named: bottleneck.node), !node.icmp.sendsTooBig
        {
            fixes.append(
                Fix(
                    title: "Have \(node.name) send ICMP \"too big\"", vendor: node.vendor.rawValue,
                    commands: node.vendor == .cisco
                        ? ["interface \(bottleneck.interface ?? "<egress>")", " ip unreachables"]
                        : ["enable ICMP unreachable / packet-too-big generation on \(node.name)"],
                    resolvesCause: false))
        }
        // 4. Work around it in TCP.
        let tcpFlows = occurrences.filter { $0.flow.protocol == "tcp" }
        if !tcpFlows.isEmpty, direction.pathMTU > 0 {
            let version =
                network.node(named: direction.from).map { network.ipVersion(of: network.index(of: $0.name)!) } ?? .ipv4
            let mss = direction.pathMTU - version.headerSize - TransportHeader.tcp
            let clampNode: String
            let interface: String?
            if overlay != nil {
                clampNode = "every tunnel endpoint node (pod traffic)"
                interface = nil
            } else {
                clampNode = bottleneck.node
                interface = bottleneck.segment == nil ? bottleneck.interface : nil
            }
            fixes += Fixes.clampMSS(on: clampNode, mss: mss, interface: interface)
            let senders = Array(Set(tcpFlows.map(\.direction.from))).sorted()
            fixes.append(Fixes.mtuProbing(senders: senders))
        }
        return fixes
    }

    private func configurationFindings(excluding walls: Set<String>) -> [Finding] {
        var findings: [Finding] = []
        for node in network.topology.nodes {
            let effective = network.effectiveMTUs(of: node.name)
            for interface in node.interfaces {
                guard let value = effective[interface.name], value.configuredAboveEffective,
                    !walls.contains("\(node.name)/\(interface.name)")
                else { continue }
                findings.append(
                    Finding(
                        severity: .warning, kind: .configuredAboveCarried,
                        summary:
                            "\(node.name) \(interface.name) says \(interface.mtu ?? 0) but carries only \(value.mtu) (\(value.reason)).",
                        details: [
                            "The configuration is not what the interface can do: anything counting on \(interface.mtu ?? 0) will meet a silent wall at \(value.mtu)."
                        ],
                        node: node.name, interface: interface.name,
                        fixes: [
                            Fixes.raiseMTU(
                                node: node, nodeName: node.name,
                                interfaces: [interface.parent, interface.name].compactMap { $0 },
                                to: interface.mtu ?? value.mtu)
                        ]))
            }
        }
        for (overlayNumber, overlay) in network.topology.overlays.enumerated() {
            var podMTUs: [Int: [String]] = [:]
            for (index, node) in network.topology.nodes.enumerated() where node.overlay == overlay.name {
                guard let attachment = network.overlayAttachment(of: index), attachment.endpointNode != index,
                    let endpointInterface = network.endpointInterfaces[overlayNumber][
                        network.topology.nodes[attachment.endpointNode].name],
                    let underlay = network.effective[attachment.endpointNode][endpointInterface],
                    let podInterface = node.interfaces.first, let pod = network.effective[index][podInterface.name]
                else { continue }
                podMTUs[pod.mtu, default: []].append(node.name)
                let version = network.ipVersion(of: attachment.endpointNode)
                let fits = overlay.encapsulation.largestInnerPacket(outer: underlay.mtu, underlay: version)
                if pod.mtu > fits {
                    findings.append(
                        Finding(
                            severity: .error, kind: .podMTUExceedsUnderlay,
                            summary:
                                "\(node.name) has MTU \(pod.mtu) but \(overlay.encapsulation.name) over \(network.topology.nodes[attachment.endpointNode].name) \(endpointInterface) (\(underlay.mtu)) carries at most \(fits).",
                            details: [
                                "Pod MTU must be the underlay MTU minus the \(underlay.mtu - fits)-byte \(overlay.encapsulation.name) overhead."
                            ],
                            node: node.name, interface: podInterface.name,
                            fixes: [
                                Fixes.lowerPodMTU(
                                    overlay: overlay, podMTU: fits, underlayMTU: underlay.mtu,
                                    required: pod.mtu + (underlay.mtu - fits))
                            ]))
                }
            }
            if podMTUs.count > 1 {
                let description = podMTUs.sorted { $0.key < $1.key }.map {
                    "\($0.key): \($0.value.sorted().joined(separator: ", "))"
                }.joined(separator: "; ")
                findings.append(
                    Finding(
                        severity: .warning, kind: .podMTUInconsistent,
                        summary: "Pods in overlay \(overlay.name) have different MTUs (\(description)).",
                        details: [
                            "TCP copes through the MSS exchange; UDP and ICMP from the larger pods to the smaller ones are dropped silently on arrival."
                        ],
                        node: nil, interface: nil))
            }
        }
        return findings
    }
}
