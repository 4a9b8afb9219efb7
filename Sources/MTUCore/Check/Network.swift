/// An interface's effective MTU and why it has that value.
public struct EffectiveMTU: Sendable, Hashable {
    public var mtu: Int
    /// E.g. "configured 9000 but parent agg1 carries 1500".
    public var reason: String
    /// The limit that applies to frames arriving on the interface, when one does (see ``Network/ingressLimit(node:interface:)``).
    public var physicalLimit: Int?
    /// True when the configured value is larger than what the interface can carry.
    public var configuredAboveEffective: Bool
}

/// One L2 hop: out of `fromNode.fromInterface`, across `segment`, into `toNode.toInterface`.
public struct L2Hop: Sendable, Hashable {
    public var fromNode: Int
    public var fromInterface: String
    /// `nil` for a pod's link to its own host (a veth pair).
    public var segment: Int?
    public var toNode: Int
    public var toInterface: String?
}

/// A validated, indexed topology: lookups, effective MTUs and routing.
public struct Network: Sendable {
    public let topology: Topology
    let nodeIndex: [String: Int]
    let segmentIndex: [String: Int]
    let overlayIndex: [String: Int]
    /// `effective[node][interface]`.
    let effective: [[String: EffectiveMTU]]
    /// Interfaces attached to each segment: (node, interface).
    let members: [[(node: Int, interface: String)]]
    /// Pods/VMs without a segment of their own, per host: they reach the network through it.
    let guestsByHost: [Int: [Int]]
    /// Each overlay's endpoint interface, by node name.
    let endpointInterfaces: [[String: String]]
    /// Per node: the indexes of its interfaces that sit on a segment, with the segment's index.
    let attachments: [[(interface: Int, segment: Int)]]
    /// Per segment: the nodes and interface indexes on it.
    let memberIndexes: [[(node: Int, interface: Int)]]
    /// Per node: the host of a pod/VM that has no segment of its own, or -1.
    let guestHost: [Int]

    /// Validates and indexes `topology`.
    ///
    /// - Throws: ``TopologyError`` for duplicate names, dangling references, parent cycles, out-of-range MTUs.
    public init(_ topology: Topology) throws(TopologyError) {
        self.topology = topology
        let (nodeIndex, segmentIndex, overlayIndex) = try Self.indexes(topology)
        self.nodeIndex = nodeIndex
        self.segmentIndex = segmentIndex
        self.overlayIndex = overlayIndex
        let endpointInterfaces = topology.overlays.map { overlay in
            Dictionary(overlay.endpoints.map { ($0.node, $0.interface) }, uniquingKeysWith: { first, _ in first })
        }
        self.endpointInterfaces = endpointInterfaces

        var members = [[(node: Int, interface: String)]](repeating: [], count: topology.segments.count)
        var effective: [[String: EffectiveMTU]] = []
        effective.reserveCapacity(topology.nodes.count)
        for (nodeNumber, node) in topology.nodes.enumerated() {
            effective.append(
                try Self.validate(
                    node, number: nodeNumber, nodeIndex: nodeIndex, segmentIndex: segmentIndex,
                    overlayIndex: overlayIndex, endpointInterfaces: endpointInterfaces, members: &members))
        }
        self.effective = effective
        self.members = members
        (guestsByHost, attachments, memberIndexes, guestHost) = Self.attachments(
            topology, nodeIndex: nodeIndex, segmentIndex: segmentIndex)
        try Self.validateOverlays(topology, nodeIndex: nodeIndex)
        try validateFlows()
    }

    /// Names to positions for nodes, segments and overlays; a name used twice is an error at its second place.
    static func indexes(_ topology: Topology) throws(TopologyError) -> (
        nodes: [String: Int], segments: [String: Int], overlays: [String: Int]
    ) {
        var nodeIndex: [String: Int] = [:]
        for (index, node) in topology.nodes.enumerated() {
            if nodeIndex[node.name] != nil {
                throw TopologyError("duplicate node name '\(node.name)'", at: node.location)
            }
            nodeIndex[node.name] = index
        }
        var segmentIndex: [String: Int] = [:]
        for (index, segment) in topology.segments.enumerated() {
            if segmentIndex[segment.name] != nil {
                throw TopologyError("duplicate segment name '\(segment.name)'", at: segment.location)
            }
            if let mtu = segment.mtu { try Self.checkMTU(mtu, version: .ipv4, at: segment.location) }
            segmentIndex[segment.name] = index
        }
        var overlayIndex: [String: Int] = [:]
        for (index, overlay) in topology.overlays.enumerated() {
            if overlayIndex[overlay.name] != nil {
                throw TopologyError("duplicate overlay name '\(overlay.name)'", at: overlay.location)
            }
            overlayIndex[overlay.name] = index
        }
        return (nodeIndex, segmentIndex, overlayIndex)
    }

    /// One node's interfaces (unique names, known parents and segments, MTUs in range), host, overlay, routes; its
    /// effective MTU per interface. Its segment memberships are added to `members`.
    static func validate(
        _ node: Node, number nodeNumber: Int, nodeIndex: [String: Int], segmentIndex: [String: Int],
        overlayIndex: [String: Int], endpointInterfaces: [[String: String]],
        members: inout [[(node: Int, interface: String)]]
    ) throws(TopologyError) -> [String: EffectiveMTU] {
        var names: Set<String> = []
        for interface in node.interfaces {
            if !names.insert(interface.name).inserted {
                throw TopologyError(
                    "duplicate interface '\(interface.name)' on node '\(node.name)'", at: interface.location)
            }
        }
        for interface in node.interfaces {
            if let parent = interface.parent, node.interface(named: parent) == nil {
                throw TopologyError(
                    "parent '\(parent)' is not an interface of node '\(node.name)'"
                        + Suggestion.didYouMean(parent, in: names),
                    at: interface.location)
            }
            if let segment = interface.segment {
                guard let segmentNumber = segmentIndex[segment] else {
                    throw TopologyError(
                        "unknown segment '\(segment)'" + Suggestion.didYouMean(segment, in: segmentIndex.keys),
                        at: interface.location)
                }
                members[segmentNumber].append((nodeNumber, interface.name))
            }
            if let mtu = interface.mtu {
                let version: IPVersion =
                    interface.addresses.contains { $0.address.version == .ipv6 } ? .ipv6 : .ipv4
                try Self.checkMTU(mtu, version: version, at: interface.location)
            }
        }
        var table: [String: EffectiveMTU] = [:]
        for interface in node.interfaces {
            _ = try Self.resolve(interface.name, on: node, into: &table, visiting: [])
        }

        if let host = node.host, nodeIndex[host] == nil {
            throw TopologyError(
                "unknown host '\(host)'" + Suggestion.didYouMean(host, in: nodeIndex.keys), at: node.location)
        }
        if let overlay = node.overlay {
            guard let overlayNumber = overlayIndex[overlay] else {
                throw TopologyError(
                    "unknown overlay '\(overlay)'" + Suggestion.didYouMean(overlay, in: overlayIndex.keys),
                    at: node.location)
            }
            let tunnelHost = node.host ?? node.name
            if endpointInterfaces[overlayNumber][tunnelHost] == nil {
                throw TopologyError(
                    "'\(tunnelHost)' is not an endpoint of overlay '\(overlay)': add it to the overlay's endpoints",
                    at: node.location)
            }
        }
        if let maxMTU = node.maxMTU { try Self.checkMTU(maxMTU, version: .ipv4, at: node.location) }
        for route in node.routes where node.interface(named: route.interface) == nil {
            throw TopologyError(
                "route via unknown interface '\(route.interface)' on node '\(node.name)'", at: node.location)
        }
        return table
    }

    /// Which interface of which node attaches to which segment, and the guests (pods, VMs) of each host.
    static func attachments(_ topology: Topology, nodeIndex: [String: Int], segmentIndex: [String: Int]) -> (
        guestsByHost: [Int: [Int]], attachments: [[(interface: Int, segment: Int)]],
        memberIndexes: [[(node: Int, interface: Int)]], guestHost: [Int]
    ) {
        var guestsByHost: [Int: [Int]] = [:]
        for (index, node) in topology.nodes.enumerated()
        where node.host != nil && !node.interfaces.contains(where: { $0.segment != nil }) {
            if let host = node.host.flatMap({ nodeIndex[$0] }) { guestsByHost[host, default: []].append(index) }
        }
        var attachments = [[(interface: Int, segment: Int)]](repeating: [], count: topology.nodes.count)
        var memberIndexes = [[(node: Int, interface: Int)]](repeating: [], count: topology.segments.count)
        var guestHost = [Int](repeating: -1, count: topology.nodes.count)
        for (nodeNumber, node) in topology.nodes.enumerated() {
            for (interfaceNumber, interface) in node.interfaces.enumerated() {
                guard let segment = interface.segment.flatMap({ segmentIndex[$0] }) else { continue }
                attachments[nodeNumber].append((interfaceNumber, segment))
                memberIndexes[segment].append((nodeNumber, interfaceNumber))
            }
        }
        for (host, guests) in guestsByHost {
            for guest in guests { guestHost[guest] = host }
        }

        return (guestsByHost, attachments, memberIndexes, guestHost)
    }

    /// Every overlay has a tunnel encapsulation, and its endpoints are attached interfaces of known nodes.
    static func validateOverlays(_ topology: Topology, nodeIndex: [String: Int]) throws(TopologyError) {
        for overlay in topology.overlays {
            if overlay.encapsulation.tunnels.isEmpty {
                throw TopologyError("overlay '\(overlay.name)' has no tunnel encapsulation", at: overlay.location)
            }
            for endpoint in overlay.endpoints {
                guard let number = nodeIndex[endpoint.node] else {
                    throw TopologyError(
                        "unknown endpoint node '\(endpoint.node)'"
                            + Suggestion.didYouMean(endpoint.node, in: nodeIndex.keys), at: endpoint.location)
                }
                let node = topology.nodes[number]
                guard let interface = node.interface(named: endpoint.interface) else {
                    throw TopologyError(
                        "node '\(endpoint.node)' has no interface '\(endpoint.interface)'"
                            + Suggestion.didYouMean(endpoint.interface, in: node.interfaces.map(\.name)),
                        at: endpoint.location)
                }
                if interface.segment == nil {
                    throw TopologyError(
                        "endpoint interface '\(endpoint.node)/\(endpoint.interface)' is attached to no segment",
                        at: endpoint.location)
                }
            }
        }
    }

    /// Flows: unique names, known ends and waypoints that forward, not from a node to itself.
    func validateFlows() throws(TopologyError) {
        var flowNames: Set<String> = []
        for flow in topology.flows {
            if !flowNames.insert(flow.name).inserted {
                throw TopologyError("duplicate flow name '\(flow.name)'", at: flow.location)
            }
            let from = try endpoint(flow.from, at: flow.location)
            let to = try endpoint(flow.to, at: flow.location)
            for name in flow.via + (flow.reverseVia ?? []) where nodeIndex[name] == nil {
                throw TopologyError(
                    "unknown node '\(name)'" + Suggestion.didYouMean(name, in: nodeIndex.keys), at: flow.location)
            }
            if from.node == to.node {
                throw TopologyError("flow '\(flow.name)' goes from a node to itself", at: flow.location)
            }
            for waypoint in flow.via + (flow.reverseVia ?? []) where !topology.nodes[nodeIndex[waypoint]!].forwards {
                throw TopologyError(
                    "waypoint '\(waypoint)' does not forward packets (set forwarding: true, or use a router/loadbalancer)",
                    at: flow.location)
            }
        }
    }

    static func checkMTU(_ mtu: Int, version: IPVersion, at location: SourceLocation?) throws(TopologyError) {
        guard (version.minimumMTU...MTULimits.maximum).contains(mtu) else {
            throw TopologyError(
                "MTU \(mtu) is outside \(version.minimumMTU)–\(MTULimits.maximum)\(version == .ipv6 ? " (IPv6 needs at least 1280)" : "")",
                at: location)
        }
    }

    /// Effective MTU: own value (or the parent's, or 1500), capped by the parent's effective MTU and the node's limit.
    static func resolve(_ name: String, on node: Node, into table: inout [String: EffectiveMTU], visiting: [String])
        throws(TopologyError) -> EffectiveMTU
    {
        if let known = table[name] { return known }
        guard let interface = node.interface(named: name) else {
            throw TopologyError("no interface '\(name)' on '\(node.name)'", at: node.location)
        }
        if visiting.contains(name) {
            throw TopologyError(
                "interface parent cycle on node '\(node.name)': \((visiting + [name]).joined(separator: " → "))",
                at: interface.location)
        }
        var mtu: Int
        var reason: String
        var physical: Int?
        var above = false
        if let parentName = interface.parent {
            let parent = try resolve(parentName, on: node, into: &table, visiting: visiting + [name])
            physical = parent.physicalLimit.map { min($0, parent.mtu) } ?? parent.mtu
            if let own = interface.mtu {
                if own > parent.mtu {
                    mtu = parent.mtu
                    reason = "configured \(own) but parent \(parentName) carries \(parent.mtu)"
                    above = true
                } else {
                    mtu = own
                    reason = "configured \(own)"
                }
            } else {
                mtu = parent.mtu
                reason = "inherits \(parent.mtu) from parent \(parentName)"
            }
        } else if let own = interface.mtu {
            mtu = own
            reason = "configured \(own)"
        } else {
            mtu = 1500
            reason = "no MTU configured: default 1500"
        }
        if let limit = node.maxMTU, limit < mtu {
            reason = "\(reason), capped at \(limit) by the node" + (node.maxMTUReason.map { " (\($0))" } ?? "")
            if interface.mtu.map({ $0 > limit }) ?? false { above = true }
            mtu = limit
            physical = min(physical ?? limit, limit)
        }
        let result = EffectiveMTU(mtu: mtu, reason: reason, physicalLimit: physical, configuredAboveEffective: above)
        table[name] = result
        return result
    }

    /// The node with this name.
    public func node(named name: String) -> Node? { nodeIndex[name].map { topology.nodes[$0] } }

    func index(of node: String) -> Int? { nodeIndex[node] }

    /// The effective MTU of `interface` on node number `node`.
    public func effectiveMTU(node: Int, interface: String) -> EffectiveMTU? { effective[node][interface] }

    /// Effective MTUs of every interface of the named node.
    public func effectiveMTUs(of node: String) -> [String: EffectiveMTU] {
        guard let index = nodeIndex[node] else { return [:] }
        return effective[index]
    }

    /// The largest frame an interface accepts, when it drops larger ones silently on arrival.
    ///
    /// End hosts and Linux devices drop frames larger than the interface MTU (as a veth does); other routers check
    /// the MTU when they forward, so only a physical limit (a parent's or the platform's) applies on arrival.
    func ingressLimit(node: Int, interface: String) -> (mtu: Int, reason: String)? {
        let owner = topology.nodes[node]
        guard let value = effective[node][interface] else { return nil }
        if !owner.forwards || owner.vendor == .linux {
            return (value.mtu, value.reason)
        }
        if let physical = value.physicalLimit {
            return (physical, value.reason)
        }
        return nil
    }

    /// The overlay a node is attached to and the node acting as its tunnel endpoint.
    func overlayAttachment(of node: Int) -> (overlay: Int, endpointNode: Int)? {
        let owner = topology.nodes[node]
        guard let overlayName = owner.overlay, let overlay = overlayIndex[overlayName] else { return nil }
        let endpointName = owner.host ?? owner.name
        guard let endpoint = nodeIndex[endpointName] else { return nil }
        return (overlay, endpoint)
    }

    /// The first address of the given version on an interface.
    func address(node: Int, interface: String, version: IPVersion? = nil) -> IPAddress? {
        topology.nodes[node].interface(named: interface)?.addresses.first {
            version == nil || $0.address.version == version
        }?.address
    }

    /// The node's first address of any interface (for naming).
    func primaryAddress(node: Int) -> IPAddress? {
        topology.nodes[node].interfaces.lazy.compactMap { $0.addresses.first?.address }.first
    }

    /// A flow's end: a node, optionally pinned to one of its interfaces (`node/interface` in a topology file).
    struct Endpoint: Hashable {
        var node: Int
        var interface: String?
    }

    /// Reads `node` or `node/interface`.
    func endpoint(_ text: String, at location: SourceLocation?) throws(TopologyError) -> Endpoint {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let node = nodeIndex[first] else {
            throw TopologyError(
                "unknown node '\(text)'" + Suggestion.didYouMean(parts.first ?? text, in: nodeIndex.keys), at: location)
        }
        if parts.count == 2 {
            let owner = topology.nodes[node]
            guard owner.interface(named: parts[1]) != nil else {
                throw TopologyError(
                    "node '\(first)' has no interface '\(parts[1])'"
                        + Suggestion.didYouMean(parts[1], in: owner.interfaces.map(\.name)),
                    at: location)
            }
            return Endpoint(node: node, interface: parts[1])
        }
        return Endpoint(node: node, interface: nil)
    }

    /// Shortest path (fewest hops) from `source` to `target` through forwarding nodes, as L2 hops.
    ///
    /// Routers, firewalls, gateways, switches and load balancers forward. A host forwards only for its own pods
    /// and VMs (those with no segment of their own), never as transit between its other interfaces. When an
    /// endpoint names an interface, the path leaves or arrives by that interface.
    ///
    /// Breadth-first over flat arrays: with 10,000 nodes and thousands of flows this is the hot path.
    /// Long: one breadth-first loop over flat arrays (the hot path); split into closures it would allocate per step.
    func shortestPath(from source: Endpoint, to target: Endpoint) -> [L2Hop]? {
        if source.node == target.node { return [] }
        let count = topology.nodes.count
        // How each node was reached: previous node, interface index left by (-1: veth toward a guest), segment
        // (-1: none), interface index arrived on (-1: none).
        var previousNode = [Int](repeating: -1, count: count)
        var leftBy = [Int](repeating: -1, count: count)
        var across = [Int](repeating: -1, count: count)
        var arrivedOn = [Int](repeating: -1, count: count)
        var seen = [Bool](repeating: false, count: count)
        seen[source.node] = true
        let sourcePinned = source.interface.flatMap { name in
            topology.nodes[source.node].interfaces.firstIndex { $0.name == name }
        }
        let targetPinned = target.interface.flatMap { name in
            topology.nodes[target.node].interfaces.firstIndex { $0.name == name }
        }
        var queue = [source.node]
        var head = 0
        var found = false
        func visit(_ next: Int, from current: Int, out: Int, segment: Int, in arrival: Int) {
            seen[next] = true
            previousNode[next] = current
            leftBy[next] = out
            across[next] = segment
            arrivedOn[next] = arrival
            if next == target.node { found = true } else { queue.append(next) }
        }
        search: while head < queue.count {
            let current = queue[head]
            head += 1
            let arrivedFromGuest = current != source.node && guestHost[previousNode[current]] == current
            let expands = current == source.node || topology.nodes[current].forwards || arrivedFromGuest
            if expands {
                for attachment in attachments[current] {
                    if current == source.node, let pinned = sourcePinned, attachment.interface != pinned { continue }
                    for member in memberIndexes[attachment.segment] where member.node != current && !seen[member.node] {
                        if member.node == target.node, let pinned = targetPinned, member.interface != pinned {
                            continue
                        }
                        visit(
                            member.node, from: current, out: attachment.interface, segment: attachment.segment,
                            in: member.interface)
                        if found { break search }
                    }
                }
                // A pod/VM without a segment reaches the network through its host's veth.
                let host = guestHost[current]
                if host >= 0, !seen[host], !(host == target.node && targetPinned != nil) {
                    visit(
                        host, from: current, out: topology.nodes[current].interfaces.isEmpty ? -2 : 0, segment: -1,
                        in: -1)
                    if found { break search }
                }
            }
            // A host carries traffic between its guests and the network, nothing else.
            for guest in guestsByHost[current] ?? [] where !seen[guest] {
                if guest == target.node, let pinned = targetPinned, pinned != 0 { continue }
                visit(guest, from: current, out: -1, segment: -1, in: topology.nodes[guest].interfaces.isEmpty ? -1 : 0)
                if found { break search }
            }
        }
        guard found else { return nil }
        var path: [L2Hop] = []
        var cursor = target.node
        while cursor != source.node {
            let from = previousNode[cursor]
            let fromInterface: String
            switch leftBy[cursor] {
            case -1: fromInterface = "veth:\(topology.nodes[cursor].name)"
            case -2: fromInterface = "eth0"
            case let index: fromInterface = topology.nodes[from].interfaces[index].name
            }
            path.append(
                L2Hop(
                    fromNode: from, fromInterface: fromInterface, segment: across[cursor] >= 0 ? across[cursor] : nil,
                    toNode: cursor,
                    toInterface: arrivedOn[cursor] >= 0
                        ? topology.nodes[cursor].interfaces[arrivedOn[cursor]].name : nil))
            cursor = from
        }
        return path.reversed()
    }
}
