/// A size limit met along one direction of a path.
struct Constraint {
    var node: Int
    var interface: String?
    var role: HopRole
    /// The limit, in bytes of the packet at this layer (outer packets inside a tunnel).
    var limit: Int
    var reason: String
    /// The overlay whose outer packets this limit applies to; `nil` for inner/plain packets.
    var overlay: Int?
    /// For `forward`: the interface the packet arrived on (the usual ICMP source).
    var ingressInterface: String?
    /// The node that sends packets at this layer (the flow's sender, or the tunnel endpoint) and its interface.
    var layerSender: Int
    var layerSenderInterface: String
    /// Forwarding nodes between `layerSender` and this hop, in order.
    var upstream: [Int]
    /// For `segment`: which segment.
    var segment: Int? = nil
}

/// One direction's route, split into plain stretches and tunnel stretches.
struct DirectedPath {
    enum Stretch {
        case plain([L2Hop])
        case tunnel(overlay: Int, hops: [L2Hop])
    }

    var source: Int
    var destination: Int
    var stretches: [Stretch]

    var allHops: [L2Hop] {
        stretches.flatMap { stretch -> [L2Hop] in
            switch stretch {
            case .plain(let hops): return hops
            case .tunnel(_, let hops): return hops
            }
        }
    }
}

extension Network {
    /// The inner IP version of traffic between two nodes (IPv6 only when both ends have only IPv6 addresses).
    func ipVersion(of node: Int) -> IPVersion {
        let addresses = topology.nodes[node].interfaces.flatMap(\.addresses)
        if !addresses.isEmpty, addresses.allSatisfy({ $0.address.version == .ipv6 }) { return .ipv6 }
        return .ipv4
    }

    /// The route from `source` to `destination` through `waypoints`, with overlay stretches where both ends of a
    /// stretch sit in the same overlay behind different endpoints.
    func directedPath(from source: Endpoint, to destination: Endpoint, via waypoints: [Int], flow: Flow)
        throws(TopologyError) -> DirectedPath
    {
        var stops = [source]
        stops += waypoints.map { Endpoint(node: $0, interface: nil) }
        stops.append(destination)
        var stretches: [DirectedPath.Stretch] = []
        for index in 0..<(stops.count - 1) {
            stretches += try route(from: stops[index], to: stops[index + 1], flow: flow)
        }
        return DirectedPath(source: source.node, destination: destination.node, stretches: stretches)
    }

    private func route(from source: Endpoint, to destination: Endpoint, flow: Flow) throws(TopologyError)
        -> [DirectedPath.Stretch]
    {
        func plain(_ a: Endpoint, _ b: Endpoint) throws(TopologyError) -> [L2Hop] {
            guard let hops = shortestPath(from: a, to: b) else {
                throw TopologyError(
                    "flow '\(flow.name)': no route from '\(topology.nodes[a.node].name)' to '\(topology.nodes[b.node].name)' "
                        + "(no chain of segments and forwarding nodes joins them)",
                    at: flow.location)
            }
            return hops
        }
        if let a = overlayAttachment(of: source.node), let b = overlayAttachment(of: destination.node),
            a.overlay == b.overlay,
            a.endpointNode != b.endpointNode
        {
            guard let startInterface = endpointInterfaces[a.overlay][topology.nodes[a.endpointNode].name],
                let endInterface = endpointInterfaces[a.overlay][topology.nodes[b.endpointNode].name]
            else { return [.plain(try plain(source, destination))] }
            var stretches: [DirectedPath.Stretch] = []
            if source.node != a.endpointNode {
                stretches.append(.plain(try plain(source, Endpoint(node: a.endpointNode, interface: nil))))
            }
            let underlay = try plain(
                Endpoint(node: a.endpointNode, interface: startInterface),
                Endpoint(node: b.endpointNode, interface: endInterface))
            stretches.append(.tunnel(overlay: a.overlay, hops: underlay))
            if destination.node != b.endpointNode {
                stretches.append(.plain(try plain(Endpoint(node: b.endpointNode, interface: nil), destination)))
            }
            return stretches
        }
        return [.plain(try plain(source, destination))]
    }

    /// The size limits along `path`, in order.
    func constraints(along path: DirectedPath) -> [Constraint] {
        var result: [Constraint] = []
        for stretch in path.stretches {
            let hops: [L2Hop]
            let overlay: Int?
            switch stretch {
            case .plain(let list):
                hops = list
                overlay = nil
            case .tunnel(let number, let list):
                hops = list
                overlay = number
            }
            guard let first = hops.first else { continue }
            // Who sends packets at this layer: the flow's source for inner packets, the endpoint for outer ones.
            let layerSender = overlay == nil ? path.source : first.fromNode
            let layerSenderInterface =
                overlay == nil ? (path.allHops.first?.fromInterface ?? first.fromInterface) : first.fromInterface
            var upstream: [Int] = []
            var arrivedOn: String?
            for hop in hops {
                if let value = effective[hop.fromNode][hop.fromInterface] {
                    let role: HopRole
                    if hop.fromNode == path.source && overlay == nil {
                        role = .sender
                    } else if overlay != nil && hop.fromNode == first.fromNode {
                        role = .tunnelEndpoint
                    } else {
                        role = .forward
                    }
                    result.append(
                        Constraint(
                            node: hop.fromNode, interface: hop.fromInterface, role: role, limit: value.mtu,
                            reason: value.reason,
                            overlay: overlay, ingressInterface: arrivedOn, layerSender: layerSender,
                            layerSenderInterface: layerSenderInterface, upstream: upstream))
                }
                if let segment = hop.segment, let limit = topology.segments[segment].mtu {
                    let info = topology.segments[segment]
                    let switches = info.switches.isEmpty ? "" : " (\(info.switches.joined(separator: ", ")))"
                    result.append(
                        Constraint(
                            node: hop.fromNode, interface: nil, role: .segment, limit: limit,
                            reason:
                                "segment \(info.name)\(info.vlan.map { " VLAN \($0)" } ?? "") switches frames up to \(limit)\(switches)",
                            overlay: overlay, ingressInterface: nil, layerSender: layerSender,
                            layerSenderInterface: layerSenderInterface,
                            upstream: upstream, segment: segment))
                }
                if let interface = hop.toInterface, let limit = ingressLimit(node: hop.toNode, interface: interface) {
                    result.append(
                        Constraint(
                            node: hop.toNode, interface: interface, role: .receiver, limit: limit.mtu,
                            reason: "\(limit.reason); larger frames are dropped on arrival", overlay: overlay,
                            ingressInterface: nil,
                            layerSender: layerSender, layerSenderInterface: layerSenderInterface, upstream: upstream))
                }
                if hop.fromNode != layerSender { upstream.append(hop.fromNode) }
                arrivedOn = hop.toInterface
            }
        }
        return result
    }

    /// The interface a node would use to reach `address`: longest prefix over connected subnets and routes.
    func routeInterface(node: Int, to address: IPAddress) -> String? {
        var best: (length: Int, interface: String)?
        let owner = topology.nodes[node]
        for interface in owner.interfaces {
            for network in interface.addresses where network.contains(address) {
                if best == nil || network.prefixLength > best!.length { best = (network.prefixLength, interface.name) }
            }
        }
        for route in owner.routes where route.destination.contains(address) {
            if best == nil || route.destination.prefixLength > best!.length {
                best = (route.destination.prefixLength, route.interface)
            }
        }
        if best == nil, owner.routes.isEmpty, owner.kind == .pod || owner.kind == .vm,
            let first = owner.interfaces.first
        {
            return first.name  // a pod's implicit default route
        }
        return best?.interface
    }
}
