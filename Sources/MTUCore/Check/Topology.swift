/// Where a value came from in a topology file, for error messages: `file:line:column` and the field path.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The field path, e.g. `nodes[2].interfaces[0].mtu`.
    public var path: String

    public init(file: String, line: Int, column: Int, path: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
    }

    public var description: String { "\(file):\(line):\(column): \(path)" }
}

/// A problem in a topology: bad values, dangling references, cycles, flows with no route.
public struct TopologyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation?
    public var message: String

    public init(_ message: String, at location: SourceLocation?) {
        self.message = message
        self.location = location
    }

    public var description: String {
        guard let location else { return message }
        if location.line == 0 { return "\(location.file): \(message)" }
        return "\(location.file):\(location.line):\(location.column): \(location.path): \(message)"
    }
}

/// What a node is. Routers, firewalls, gateways, load balancers and switches (through their SVIs) forward packets.
public enum NodeKind: String, Sendable, Hashable, Codable, CaseIterable {
    case host, pod, vm, `switch`, router, firewall, gateway, loadbalancer

    /// Whether the node forwards packets between its interfaces by default.
    public var forwardsByDefault: Bool {
        switch self {
        case .host, .pod, .vm: return false
        case .switch, .router, .firewall, .gateway, .loadbalancer: return true
        }
    }
}

/// The address a router puts in the source of the ICMP errors it sends.
public enum ICMPSource: Sendable, Hashable {
    /// The address of the interface the offending packet arrived on (Linux's usual choice).
    case ingressInterface
    /// A fixed address, e.g. the device's management address.
    case address(IPAddress, label: String)
}

/// How a node treats ICMP "fragmentation needed" / "packet too big".
public struct ICMPBehaviour: Sendable, Hashable {
    /// Whether the node sends a PTB when it cannot forward a DF packet.
    public var sendsTooBig: Bool = true
    /// The source address of the PTBs it sends.
    public var source: ICMPSource = .ingressInterface
    /// Whether it drops PTBs that pass through it (a firewall policy).
    public var filtersTooBig: Bool = false
    /// Whether it accepts PTBs addressed to it (false: a local policy, e.g. a pod's ingress policy, drops them).
    public var acceptsTooBig: Bool = true

    public init() {}
}

/// The values of the sysctls that decide PMTUD's fate on a Linux host (per network namespace).
public struct HostSysctls: Sendable, Hashable {
    /// `net.ipv4.conf.all.rp_filter`.
    public var rpFilterAll: Int = 0
    /// `net.ipv4.conf.default.rp_filter` (applies to interfaces with no own value).
    public var rpFilterDefault: Int?
    /// `net.ipv4.conf.IFACE.rp_filter`.
    public var rpFilterByInterface: [String: Int] = [:]
    /// `net.ipv4.tcp_mtu_probing`.
    public var tcpMTUProbing: Int = 0

    public init() {}

    /// The kernel uses the larger of `all` and the interface's own value.
    public func rpFilter(on interface: String) -> Int {
        max(rpFilterAll, rpFilterByInterface[interface] ?? rpFilterDefault ?? 0)
    }
}

/// A route in a node's table, used to check reverse-path filtering of incoming ICMP.
public struct Route: Sendable, Hashable {
    public var destination: IPNetwork
    public var interface: String

    public init(destination: IPNetwork, interface: String) {
        self.destination = destination
        self.interface = interface
    }
}

/// TCP MSS clamping on a node (iptables `TCPMSS` / nftables `maxseg`).
public enum MSSClamp: Sendable, Hashable {
    /// `--set-mss N`.
    case fixed(Int)
    /// `--clamp-mss-to-pmtu`: the egress interface MTU − 40.
    case toPMTU
}

/// A network interface. Its effective MTU is its own (or its parent's when it has none), never more than its parent's.
public struct Interface: Sendable, Hashable {
    public var name: String
    /// The MTU configured (what the device "says"); `nil` inherits from the parent, or 1500.
    public var mtu: Int?
    /// The interface this one rides on (a VLAN sub-interface's physical or aggregate parent).
    public var parent: String?
    /// The L2 segment this interface is attached to.
    public var segment: String?
    /// Addresses with their prefix lengths.
    public var addresses: [IPNetwork]
    public var location: SourceLocation?

    public init(
        name: String, mtu: Int? = nil, parent: String? = nil, segment: String? = nil, addresses: [IPNetwork] = [],
        location: SourceLocation? = nil
    ) {
        self.name = name
        self.mtu = mtu
        self.parent = parent
        self.segment = segment
        self.addresses = addresses
        self.location = location
    }
}

/// The configuration language of a device, used to write fixes in its own words.
public enum Vendor: String, Sendable, Hashable, Codable, CaseIterable {
    case linux, fortigate
    case arista = "arista-eos"
    case cisco = "cisco-ios"
    case aws, gcp, nsx, generic
}

/// How a load balancer handles TCP.
public enum LoadBalancerMode: String, Sendable, Hashable, Codable {
    /// A full proxy: two TCP connections, each with its own MSS.
    case proxy
    /// Address translation only: one TCP connection through it.
    case nat
}

/// A host, pod, VM, switch, router, firewall, cloud gateway or load balancer.
public struct Node: Sendable, Hashable {
    public var name: String
    public var kind: NodeKind
    public var vendor: Vendor
    public var interfaces: [Interface]
    /// Whether the node forwards (defaults by kind; a Kubernetes node forwards for its pods).
    public var forwards: Bool
    /// A platform limit on every interface, e.g. 1500 while jumbo frames are disabled.
    public var maxMTU: Int?
    /// Why `maxMTU` exists.
    public var maxMTUReason: String?
    public var icmp: ICMPBehaviour
    public var sysctls: HostSysctls
    public var routes: [Route]
    public var mssClamp: MSSClamp?
    /// For pods and VMs: the host (tunnel endpoint) they live on.
    public var host: String?
    /// For pods and VMs: the overlay they are attached to.
    public var overlay: String?
    public var loadBalancerMode: LoadBalancerMode
    public var location: SourceLocation?

    public init(
        name: String, kind: NodeKind, vendor: Vendor = .linux, interfaces: [Interface] = [], forwards: Bool? = nil,
        maxMTU: Int? = nil, maxMTUReason: String? = nil, icmp: ICMPBehaviour = ICMPBehaviour(),
        sysctls: HostSysctls = HostSysctls(),
        routes: [Route] = [], mssClamp: MSSClamp? = nil, host: String? = nil, overlay: String? = nil,
        loadBalancerMode: LoadBalancerMode = .nat, location: SourceLocation? = nil
    ) {
        self.name = name
        self.kind = kind
        self.vendor = vendor
        self.interfaces = interfaces
        self.forwards = forwards ?? kind.forwardsByDefault
        self.maxMTU = maxMTU
        self.maxMTUReason = maxMTUReason
        self.icmp = icmp
        self.sysctls = sysctls
        self.routes = routes
        self.mssClamp = mssClamp
        self.host = host
        self.overlay = overlay
        self.loadBalancerMode = loadBalancerMode
        self.location = location
    }

    /// The interface with this name.
    public func interface(named name: String) -> Interface? { interfaces.first { $0.name == name } }
}

/// An L2 domain (a VLAN or a switched segment). Switched traffic stays inside it and never meets an SVI.
public struct Segment: Sendable, Hashable {
    public var name: String
    /// The largest IP packet the switches carry in this segment (their smallest port MTU); `nil` = no limit.
    public var mtu: Int?
    /// The switches or ports that set `mtu`, for naming the hop.
    public var switches: [String]
    public var vlan: Int?
    public var location: SourceLocation?

    public init(
        name: String, mtu: Int? = nil, switches: [String] = [], vlan: Int? = nil, location: SourceLocation? = nil
    ) {
        self.name = name
        self.mtu = mtu
        self.switches = switches
        self.vlan = vlan
        self.location = location
    }
}

/// The DF bit on a tunnel's outer header.
public enum OuterDF: String, Sendable, Hashable, Codable {
    /// Always set (NSX Geneve, `df set` on Linux VXLAN): oversize outer packets are refused.
    case set
    /// Never set (Linux VXLAN's default): routers fragment oversize outer packets.
    case unset
    /// Copied from the inner header (`df inherit`): TCP sets it, so TCP behaves as `set`.
    case inherit
}

/// A tunnel endpoint: a node and the underlay interface its outer packets leave by.
public struct TunnelEndpoint: Sendable, Hashable {
    public var node: String
    public var interface: String
    public var location: SourceLocation?

    public init(node: String, interface: String, location: SourceLocation? = nil) {
        self.node = node
        self.interface = interface
        self.location = location
    }
}

/// An overlay: pods or VMs on different endpoints talk through an encapsulation over the underlay.
public struct Overlay: Sendable, Hashable {
    public var name: String
    public var provider: OverlayProvider
    public var encapsulation: EncapsulationStack
    public var outerDF: OuterDF
    /// Whether an endpoint that learns a smaller underlay MTU tells the inner sender (PTB toward the pod).
    public var relaysPTB: Bool
    public var endpoints: [TunnelEndpoint]
    public var location: SourceLocation?

    public init(
        name: String, provider: OverlayProvider = .generic, encapsulation: EncapsulationStack,
        outerDF: OuterDF = .unset,
        relaysPTB: Bool = false, endpoints: [TunnelEndpoint], location: SourceLocation? = nil
    ) {
        self.name = name
        self.provider = provider
        self.encapsulation = encapsulation
        self.outerDF = outerDF
        self.relaysPTB = relaysPTB
        self.endpoints = endpoints
        self.location = location
    }

    /// The endpoint on this node.
    public func endpoint(on node: String) -> TunnelEndpoint? { endpoints.first { $0.node == node } }
}

/// The transport a flow uses.
public enum FlowProtocol: String, Sendable, Hashable, Codable, CaseIterable {
    case tcp, udp, icmp
}

/// Traffic to analyse: who talks to whom, through what, and how large its messages get.
public struct Flow: Sendable, Hashable {
    public var name: String
    public var from: String
    public var to: String
    /// Nodes the forward path must pass, in order (a load balancer, a VIP's router).
    public var via: [String]
    /// Waypoints of the reverse path when it differs (asymmetric routing); `nil` = `via` reversed.
    public var reverseVia: [String]?
    public var proto: FlowProtocol
    public var port: Int?
    /// What the application is, for the symptoms text (e.g. "tls").
    public var application: String?
    /// The largest message the client sends (bytes); `nil` = as large as the path allows.
    public var forwardMessage: Int?
    /// The largest message the server sends (e.g. a TLS certificate flight); `nil` = as large as the path allows.
    public var reverseMessage: Int?
    public var location: SourceLocation?

    public init(
        name: String, from: String, to: String, via: [String] = [], reverseVia: [String]? = nil,
        proto: FlowProtocol = .tcp,
        port: Int? = nil, application: String? = nil, forwardMessage: Int? = nil, reverseMessage: Int? = nil,
        location: SourceLocation? = nil
    ) {
        self.name = name
        self.from = from
        self.to = to
        self.via = via
        self.reverseVia = reverseVia
        self.proto = proto
        self.port = port
        self.application = application
        self.forwardMessage = forwardMessage
        self.reverseMessage = reverseMessage
        self.location = location
    }
}

/// A whole described network: nodes, L2 segments, overlays and the flows to check.
public struct Topology: Sendable, Hashable {
    public var name: String
    public var description: String?
    public var nodes: [Node]
    public var segments: [Segment]
    public var overlays: [Overlay]
    public var flows: [Flow]

    public init(
        name: String, description: String? = nil, nodes: [Node], segments: [Segment] = [], overlays: [Overlay] = [],
        flows: [Flow] = []
    ) {
        self.name = name
        self.description = description
        self.nodes = nodes
        self.segments = segments
        self.overlays = overlays
        self.flows = flows
    }
}
