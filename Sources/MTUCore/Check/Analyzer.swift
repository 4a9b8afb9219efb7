/// Turns a validated ``Network`` into per-flow, per-direction results and ranked findings.
public struct Analyzer: Sendable {
    public let network: Network

    public init(_ network: Network) { self.network = network }

    /// Validates and analyses a topology in one step.
    public static func check(_ topology: Topology) throws(TopologyError) -> CheckReport {
        try Analyzer(Network(topology)).check()
    }

    /// Analyses every flow and the configuration itself.
    ///
    /// - Throws: ``TopologyError`` when a flow has no route.
    public func check() throws(TopologyError) -> CheckReport {
        var flows: [FlowResult] = []
        flows.reserveCapacity(network.topology.flows.count)
        for flow in network.topology.flows {
            flows.append(try analyse(flow))
        }
        let findings = FindingBuilder(network: network, flows: flows).build()
        let verdict = flows.map(\.verdict).max() ?? .ok
        return CheckReport(topology: network.topology.name, verdict: verdict, flows: flows, findings: findings)
    }

    func analyse(_ flow: Flow) throws(TopologyError) -> FlowResult {
        let from = try network.endpoint(flow.from, at: flow.location)
        let to = try network.endpoint(flow.to, at: flow.location)
        let via = flow.via.compactMap { network.index(of: $0) }
        let reverseVia = flow.reverseVia.map { $0.compactMap { network.index(of: $0) } }
        // A proxying load balancer terminates TCP: each side of it is a connection of its own.
        let proxies =
            flow.proto == .tcp
            ? via.filter {
                network.topology.nodes[$0].kind == .loadbalancer
                    && network.topology.nodes[$0].loadBalancerMode == .proxy
            } : []
        var ends = [from]
        var waypointsPerLeg: [[Int]] = [[]]
        for node in via {
            if proxies.contains(node) {
                ends.append(Network.Endpoint(node: node, interface: nil))
                waypointsPerLeg.append([])
            } else {
                waypointsPerLeg[waypointsPerLeg.count - 1].append(node)
            }
        }
        ends.append(to)
        var legs: [LegResult] = []
        for index in 0..<(ends.count - 1) {
            let a = ends[index]
            let b = ends[index + 1]
            let forwardWaypoints = waypointsPerLeg[index]
            let reverseWaypoints = (proxies.isEmpty ? reverseVia : nil) ?? forwardWaypoints.reversed()
            let forwardPath = try network.directedPath(from: a, to: b, via: forwardWaypoints, flow: flow)
            let reversePath = try network.directedPath(from: b, to: a, via: reverseWaypoints, flow: flow)
            let forward = direction(forwardPath, peerPath: reversePath, flow: flow, message: flow.forwardMessage)
            let reverse = direction(reversePath, peerPath: forwardPath, flow: flow, message: flow.reverseMessage)
            legs.append(LegResult(from: name(a.node), to: name(b.node), forward: forward, reverse: reverse))
        }
        func worst(_ pick: (LegResult) -> DirectionResult) -> DirectionResult {
            legs.map(pick).max { ($0.verdict, -$0.pathMTU) < ($1.verdict, -$1.pathMTU) }!
        }
        let forward = worst(\.forward)
        let reverse = worst(\.reverse)
        let verdict = max(forward.verdict, reverse.verdict)
        return FlowResult(
            name: flow.name, from: flow.from, to: flow.to, protocol: flow.proto.rawValue, verdict: verdict,
            forward: forward, reverse: reverse, legs: legs,
            symptoms: Symptoms.describe(flow: flow, forward: forward, reverse: reverse))
    }

    func name(_ node: Int) -> String { network.topology.nodes[node].name }

    /// One direction: limits, the packet the sender emits, and what happens to it.
    func direction(_ path: DirectedPath, peerPath: DirectedPath, flow: Flow, message: Int?) -> DirectionResult {
        let constraints = network.constraints(along: path)
        let innerVersion = network.ipVersion(of: path.source)
        let hops = path.allHops
        let senderMTU = innerMTU(path.source, fallback: hops.first?.fromInterface)
        let transportHeader = innerVersion.headerSize + TransportHeader.tcp
        let (largest, sizeNotes) =
            flow.proto == .tcp
            ? largestSegment(path, peerPath: peerPath, senderMTU: senderMTU, transportHeader: transportHeader)
            : (senderMTU, [])
        let headers =
            flow.proto == .tcp
            ? transportHeader
            : innerVersion.headerSize + (flow.proto == .udp ? TransportHeader.udp : TransportHeader.icmpEcho)
        let messagePacket = message.map { min(largest, $0 + headers) } ?? largest

        // Path MTU and the bottleneck: the smallest inner limit along the way (the sender's own MTU without one).
        let bottleneck = constraints.min { innerLimit($0) < innerLimit($1) }
        let pathMTU = bottleneck.map(innerLimit) ?? senderMTU
        let (hopReports, bottleneckReport) = reports(
            path, constraints: constraints, bottleneck: bottleneck, senderMTU: senderMTU)

        // What happens to the largest packet the sender emits.
        var simulation = Simulation(size: largest, events: sizeNotes)
        if largest > pathMTU {
            simulate(
                &simulation, constraints: constraints, flow: flow, source: path.source, innerLimit: innerLimit,
                outerSize: outerSize)
        }
        var fate =
            simulation.firstFate
            ?? Fate(.delivered, summary: "every packet the sender emits (up to \(largest)) fits the path")
        var verdict = simulation.verdict
        if verdict == .blackhole, flow.proto == .tcp, network.topology.nodes[path.source].sysctls.tcpMTUProbing >= 1 {
            let probing = network.topology.nodes[path.source].sysctls.tcpMTUProbing
            fate.rescuedByMTUProbing = true
            verdict = .degraded
            simulation.events.append(
                "net.ipv4.tcp_mtu_probing=\(probing) on \(name(path.source)): the kernel shrinks segments "
                    + (probing == 1
                        ? "after it detects the black hole (retransmission timeouts, seconds)" : "from the start"))
        }
        let latent = messagePacket <= pathMTU && largest > pathMTU
        if messagePacket <= pathMTU { verdict = .ok }
        return DirectionResult(
            from: name(path.source), to: name(path.destination), pathMTU: pathMTU, bottleneck: bottleneckReport,
            largestPacketSent: largest, messagePacket: messagePacket, fate: fate, verdict: verdict, latent: latent,
            hops: hopReports, events: simulation.events)
    }

    /// The IP version of an overlay's underlay (its first endpoint's), IPv4 when unknown.
    func underlayVersion(_ overlay: Int) -> IPVersion {
        let endpoint = network.topology.overlays[overlay].endpoints.first
        return endpoint.flatMap { network.index(of: $0.node) }.map { network.ipVersion(of: $0) } ?? .ipv4
    }

    /// The largest inner packet a constraint lets through (its own limit, less the encapsulation on an underlay).
    func innerLimit(_ constraint: Constraint) -> Int {
        guard let overlay = constraint.overlay else { return constraint.limit }
        return network.topology.overlays[overlay].encapsulation.largestInnerPacket(
            outer: constraint.limit, underlay: underlayVersion(overlay))
    }

    /// The size an inner packet has where a constraint applies (encapsulated on an underlay).
    func outerSize(_ inner: Int, _ constraint: Constraint) -> Int {
        guard let overlay = constraint.overlay else { return inner }
        return network.topology.overlays[overlay].encapsulation.outerPacketSize(
            inner: inner, underlay: underlayVersion(overlay))
    }

    /// The MTU a node sends and receives inner packets with. A node that is its own tunnel endpoint (an NSX Edge)
    /// uses its overlay-facing interface (one with no segment), not the underlay interface its tunnel leaves by.
    func innerMTU(_ node: Int, fallback: String?) -> Int {
        let owner = network.topology.nodes[node]
        if let attachment = network.overlayAttachment(of: node), attachment.endpointNode == node,
            let inner = owner.interfaces.first(where: { $0.segment == nil }),
            let value = network.effective[node][inner.name]
        {
            return value.mtu
        }
        if let fallback, let value = network.effective[node][fallback] { return value.mtu }
        return owner.interfaces.first.flatMap { network.effective[node][$0.name]?.mtu } ?? 1500
    }

    /// The largest TCP segment's packet: the sender's MTU, less what the receiver's advertised MSS and any MSS clamp
    /// on the way of the SYN/SYN-ACK (which travels the peer path) allow, with a note for each.
    func largestSegment(_ path: DirectedPath, peerPath: DirectedPath, senderMTU: Int, transportHeader: Int)
        -> (Int, [String])
    {
        var largest = senderMTU
        var notes: [String] = []
        let receiverMTU = innerMTU(path.destination, fallback: path.allHops.last?.toInterface)
        if receiverMTU < largest {
            notes.append(
                "\(name(path.destination)) advertises MSS \(receiverMTU - transportHeader), so segments stay within \(receiverMTU)"
            )
            largest = receiverMTU
        }
        for hop in peerPath.allHops {
            let node = network.topology.nodes[hop.fromNode]
            guard hop.fromNode != peerPath.source, let clamp = node.mssClamp else { continue }
            let clampedPacket: Int
            switch clamp {
            case .fixed(let mss): clampedPacket = mss + transportHeader
            case .toPMTU: clampedPacket = network.effective[hop.fromNode][hop.fromInterface]?.mtu ?? largest
            }
            if clampedPacket < largest {
                notes.append("\(node.name) clamps the MSS to \(clampedPacket - transportHeader)")
                largest = clampedPacket
            }
        }
        return (largest, notes)
    }

    /// Every constraint as a hop of the report, and the bottleneck (the sender itself when nothing limits).
    func reports(_ path: DirectedPath, constraints: [Constraint], bottleneck: Constraint?, senderMTU: Int)
        -> ([HopReport], Bottleneck)
    {
        let pathHasTunnel = path.stretches.contains { if case .tunnel = $0 { return true } else { return false } }
        let hopReports = constraints.map { constraint -> HopReport in
            HopReport(
                node: displayName(constraint), interface: constraint.role == .segment ? nil : constraint.interface,
                role: constraint.role, layer: constraint.overlay != nil ? .underlay : (pathHasTunnel ? .overlay : .ip),
                encapsulation: constraint.overlay.map { network.topology.overlays[$0].encapsulation.name },
                mtu: constraint.limit, innerLimit: innerLimit(constraint), reason: constraint.reason)
        }
        let bottleneckReport =
            bottleneck.map { constraint in
                Bottleneck(
                    node: displayName(constraint), interface: constraint.role == .segment ? nil : constraint.interface,
                    layer: constraint.overlay != nil ? .underlay : (pathHasTunnel ? .overlay : .ip),
                    role: constraint.role, mtu: constraint.limit, reason: constraint.reason,
                    overlay: constraint.overlay.map { network.topology.overlays[$0].name },
                    segment: constraint.segment.map { network.topology.segments[$0].name })
            }
            ?? Bottleneck(
                node: name(path.source), interface: nil, layer: pathHasTunnel ? .overlay : .ip, role: .sender,
                mtu: senderMTU, reason: "sender")
        return (hopReports, bottleneckReport)
    }

    func displayName(_ constraint: Constraint) -> String {
        if constraint.role == .segment, let segment = constraint.segment {
            let info = network.topology.segments[segment]
            return info.switches.first ?? "segment \(info.name)"
        }
        return name(constraint.node)
    }

    struct Simulation {
        var size: Int
        var events: [String]
        var verdict: Verdict = .ok
        var firstFate: Fate?

        mutating func record(_ fate: Fate, _ verdict: Verdict) {
            if firstFate == nil
                || (firstFate!.kind != .ptbLost && firstFate!.kind != .silentDrop && verdict == .blackhole)
            {
                firstFate = fate
            }
            self.verdict = max(self.verdict, verdict)
            events.append(fate.summary)
        }
    }

    /// Carries the largest packet along the constraints, hop by hop: fragmented, encapsulated, dropped with a PTB
    /// that returns or is lost, or silently.
    /// Long: one walk whose cases share the packet's state (size, fragments, which PTB went where).
    func simulate(
        _ state: inout Simulation, constraints: [Constraint], flow: Flow, source: Int,
        innerLimit: (Constraint) -> Int, outerSize: (Int, Constraint) -> Int
    ) {
        for constraint in constraints {
            let size = outerSize(state.size, constraint)
            guard size > constraint.limit else { continue }
            let location =
                "\(displayName(constraint))\(constraint.role == .segment ? "" : constraint.interface.map { " \($0)" } ?? "")"
            let overlay = constraint.overlay.map { network.topology.overlays[$0] }
            let layerText =
                overlay.map { "the \(size)-byte \($0.encapsulation.name) packet carrying \(state.size)" }
                ?? "a \(size)-byte packet"
            let node = network.topology.nodes[constraint.node]
            switch constraint.role {
            case .sender:
                state.events.append("\(location): the sender's own MTU is \(constraint.limit); it sends nothing larger")
                state.size = constraint.limit
                continue
            case .segment, .receiver:
                let what: String
                if constraint.role == .segment {
                    what = "the switches drop the frame and no ICMP is sent (L2 MTU mismatch)"
                } else if node.forwards {
                    what = "\(location) drops it on arrival, before routing, so no ICMP is sent"
                } else {
                    what = "\(location) drops the frame on arrival and no ICMP is sent (L2 MTU mismatch)"
                }
                state.record(
                    Fate(
                        .silentDrop(
                            at: .init(
                                node: displayName(constraint),
                                interface: constraint.role == .segment ? nil : constraint.interface)),
                        summary: "\(layerText) exceeds \(constraint.limit) at \(location): \(what)"), .blackhole)
                return
            case .forward, .tunnelEndpoint:
                let hop = PathFate.Hop(node: name(constraint.node), interface: constraint.interface)
                if let overlay, overlay.outerDF == .unset {
                    state.record(
                        Fate(
                            .fragmented(at: hop),
                            summary:
                                "\(layerText) exceeds \(constraint.limit) at \(location); the outer header has no DF, so it is fragmented"
                        ), .degraded)
                    continue
                }
                if constraint.role == .tunnelEndpoint, let overlay {
                    if overlay.relaysPTB {
                        let mtu = innerLimit(constraint)
                        state.record(
                            Fate(
                                .ptbReturned(at: hop, ptb: .init(mtu: mtu, source: name(constraint.node))),
                                summary:
                                    "\(layerText) exceeds \(location)'s MTU \(constraint.limit); the endpoint tells the sender to use \(mtu)"
                            ), .degraded)
                        state.size = mtu
                        continue
                    }
                    state.record(
                        Fate(
                            .ptbLost(at: hop, ptb: nil, reason: .notRelayed),
                            summary:
                                "\(layerText) exceeds \(location)'s own MTU \(constraint.limit); the endpoint drops it and does not tell the inner sender"
                        ), .blackhole)
                    return
                }
                guard node.icmp.sendsTooBig else {
                    state.record(
                        Fate(
                            .silentDrop(at: hop),
                            summary:
                                "\(layerText) exceeds \(constraint.limit) at \(location), which drops it without sending ICMP \"too big\""
                        ), .blackhole)
                    return
                }
                let ptb = ptbFate(
                    constraint, packetText: layerText, location: location, overlay: overlay,
                    innerMTU: innerLimit(constraint), source: source)
                if ptb.kind == .ptbReturned {
                    state.record(ptb, .degraded)
                    state.size = max(min(innerLimit(constraint), state.size), MTULimits.linuxMinimumPMTU)
                    continue
                }
                state.record(ptb, .blackhole)
                return
            }
        }
    }

    /// Follows a PTB from the router back to whoever must act on it.
    func ptbFate(
        _ constraint: Constraint, packetText: String, location: String, overlay: Overlay?, innerMTU: Int, source: Int
    ) -> Fate {
        let router = network.topology.nodes[constraint.node]
        let sourceAddress: IPAddress?
        let sourceText: String
        switch router.icmp.source {
        case .ingressInterface:
            sourceAddress = constraint.ingressInterface.flatMap {
                network.address(node: constraint.node, interface: $0)
            }
            sourceText =
                sourceAddress.map { "\($0) (\(router.name) \(constraint.ingressInterface ?? ""))" } ?? "\(router.name)"
        case .address(let address, let label):
            sourceAddress = address
            sourceText = "\(address) (\(label))"
        }
        let head =
            "\(packetText) exceeds \(constraint.limit) at \(location); \(router.name) sends ICMP \"too big\" (MTU \(constraint.limit)) from \(sourceText)"
        let receiverName = network.topology.nodes[constraint.layerSender].name
        let gateway = constraint.ingressInterface.flatMap {
            network.address(node: constraint.node, interface: $0)?.description
        }
        let wall = PathFate.Hop(node: router.name, interface: constraint.interface)
        func lost(_ reason: String, _ code: PathFate.LossReason) -> Fate {
            let ptb = PathFate.TooBig(
                mtu: constraint.limit, source: sourceAddress?.description ?? router.name, receiver: receiverName,
                receiverInterface: constraint.layerSenderInterface,
                gateway: constraint.upstream.isEmpty ? gateway : nil)
            return Fate(.ptbLost(at: wall, ptb: ptb, reason: code), summary: "\(head), but \(reason)")
        }
        let returned = PathFate.TooBig(mtu: constraint.limit, source: sourceAddress?.description ?? router.name)
        for hop in constraint.upstream where hop != constraint.node && network.topology.nodes[hop].icmp.filtersTooBig {
            return lost("\(network.topology.nodes[hop].name) filters it on the way back", .filtered)
        }
        let receiver = network.topology.nodes[constraint.layerSender]
        if let sourceAddress, sourceAddress.version == .ipv4 {
            let mode = receiver.sysctls.rpFilter(on: constraint.layerSenderInterface)
            let back = network.routeInterface(node: constraint.layerSender, to: sourceAddress)
            if mode == 1, back != constraint.layerSenderInterface {
                let route =
                    back.map { "its route to \(sourceAddress) leaves by \($0)" }
                    ?? "it has no route to \(sourceAddress)"
                return lost(
                    "\(receiver.name) drops it: strict rp_filter on \(constraint.layerSenderInterface) and \(route), not by \(constraint.layerSenderInterface) where the ICMP arrives",
                    .rpFilter)
            }
            if mode == 2, back == nil {
                return lost(
                    "\(receiver.name) drops it: loose rp_filter and no route at all to \(sourceAddress)", .rpFilter)
            }
        }
        if !receiver.icmp.acceptsTooBig {
            return lost("\(receiver.name)'s policy drops incoming ICMP", .policy)
        }
        if let overlay {
            guard overlay.relaysPTB else {
                return lost(
                    "it reaches the tunnel endpoint \(receiver.name), which does not relay it to the inner sender \(name(source))",
                    .notRelayed)
            }
            let sender = network.topology.nodes[source]
            if !sender.icmp.acceptsTooBig {
                return lost("\(receiver.name) relays it, but \(sender.name)'s policy drops incoming ICMP", .policy)
            }
            return Fate(
                .ptbReturned(at: wall, ptb: returned),
                summary: "\(head); \(receiver.name) relays it to \(sender.name), which resends at \(innerMTU)")
        }
        return Fate(
            .ptbReturned(at: wall, ptb: returned),
            summary: "\(head); \(receiver.name) accepts it and resends at \(constraint.limit)")
    }
}
