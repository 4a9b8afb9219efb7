import Foundation
import MTUCore
import Yams

/// Reads topology files (YAML) into ``MTUCore/Topology``, reporting every problem as `file:line:column: field: message`.
public enum TopologyLoader {
    /// Reads and validates the topology at `path`.
    ///
    /// - Throws: ``MTUCore/TopologyError`` for unreadable files, YAML syntax errors, unknown keys, wrong types,
    ///   out-of-range values, dangling references and cycles.
    public static func load(path: String) throws(TopologyError) -> Topology {
        let data: Data
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TopologyError("no such file", at: SourceLocation(file: path, line: 0, column: 0, path: "(file)"))
        }
        if isDirectory.boolValue {
            throw TopologyError(
                "is a directory, not a topology file",
                at: SourceLocation(file: path, line: 0, column: 0, path: "(file)"))
        }
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TopologyError(
                "cannot read topology file: \((error as NSError).localizedDescription)",
                at: SourceLocation(file: path, line: 0, column: 0, path: "(file)"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TopologyError(
                "the topology file is not UTF-8 text",
                at: SourceLocation(file: path, line: 0, column: 0, path: "(file)"))
        }
        return try parse(text, file: path)
    }

    /// Parses topology YAML held in memory; `file` names it in errors.
    public static func parse(_ text: String, file: String = "<topology>") throws(TopologyError) -> Topology {
        let root: Yams.Node
        do {
            // The basic resolver leaves every scalar a string: we type-check fields ourselves, and skipping the regular
            // expressions of the default resolver makes large files load several times faster.
            guard let node = try Yams.compose(yaml: text, .basic) else {
                throw TopologyError(
                    "the topology file is empty", at: SourceLocation(file: file, line: 1, column: 1, path: "(document)")
                )
            }
            root = node
        } catch let error as TopologyError {
            throw error
        } catch let error as YamlError {
            throw Self.describe(error, file: file)
        } catch {
            throw TopologyError(
                "cannot parse YAML: \(error)", at: SourceLocation(file: file, line: 0, column: 0, path: "(document)"))
        }
        let document = YAMLValue(node: root, file: file, path: "")
        let topology = try readTopology(document)
        // Semantic checks (references, cycles, ranges) live in the core; they carry the locations set above.
        _ = try Network(topology)
        return topology
    }

    /// A YAML syntax error as one line, `file:line:column: (syntax): …`, for other readers of YAML files.
    public static func describeYAMLError(_ error: YamlError, file: String) -> String {
        describe(error, file: file).description
    }

    static func describe(_ error: YamlError, file: String) -> TopologyError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return TopologyError(
                "YAML syntax error: \(detail)",
                at: SourceLocation(file: file, line: mark.line, column: mark.column, path: "(syntax)"))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return TopologyError(
                "duplicate key \(keys) in one mapping",
                at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column, path: "(syntax)"))
        case .reader(let problem, let offset, _, _):
            return TopologyError(
                "YAML cannot be read: \(problem)\(offset.map { " at byte \($0)" } ?? "")",
                at: SourceLocation(file: file, line: 0, column: 0, path: "(syntax)"))
        default:
            return TopologyError(
                "YAML error: \(error)", at: SourceLocation(file: file, line: 0, column: 0, path: "(syntax)"))
        }
    }

    static func readTopology(_ document: YAMLValue) throws(TopologyError) -> Topology {
        let fields = try document.mapping(allowed: [
            "version", "name", "description", "segments", "nodes", "overlays", "flows",
        ])
        if let version = fields["version"], try version.int() != 1 {
            throw version.fail("unsupported topology version; this mtu-doctor reads version 1")
        }
        let name = try fields.required("name").string()
        let description = try fields["description"]?.string()
        var segments: [Segment] = []
        for item in try fields["segments"]?.list() ?? [] { segments.append(try readSegment(item)) }
        var nodes: [MTUCore.Node] = []
        for item in try fields.required("nodes").list() { nodes.append(try readNode(item)) }
        var overlays: [Overlay] = []
        for item in try fields["overlays"]?.list() ?? [] { overlays.append(try readOverlay(item)) }
        var flows: [Flow] = []
        for item in try fields["flows"]?.list() ?? [] { flows.append(try readFlow(item)) }
        return Topology(
            name: name, description: description, nodes: nodes, segments: segments, overlays: overlays, flows: flows)
    }

    static func mtu(_ value: YAMLValue) throws(TopologyError) -> Int {
        let mtu = try value.int()
        guard (IPVersion.ipv4.minimumMTU...MTULimits.maximum).contains(mtu) else {
            throw value.fail("MTU \(mtu) is outside 68–65535")
        }
        return mtu
    }

    static func name(_ value: YAMLValue) throws(TopologyError) -> String {
        let text = try value.string()
        guard !text.isEmpty, !text.contains(where: { $0 == "/" || $0.isWhitespace }) else {
            throw value.fail("names must be non-empty and contain no '/' or spaces, got '\(text)'")
        }
        return text
    }

    static func oneOf<T: RawRepresentable>(_ value: YAMLValue, _ type: T.Type, all: [T]) throws(TopologyError) -> T
    where T.RawValue == String {
        let text = try value.string()
        guard let result = T(rawValue: text.lowercased()) else {
            let names = all.map(\.rawValue)
            throw value.fail(
                "unknown value '\(text)'" + Suggestion.didYouMean(text, in: names)
                    + "; expected one of: \(names.joined(separator: ", "))")
        }
        return result
    }

    static func readSegment(_ value: YAMLValue) throws(TopologyError) -> Segment {
        let fields = try value.mapping(allowed: ["name", "mtu", "vlan", "switches", "description"])
        var vlan: Int?
        if let field = fields["vlan"] {
            vlan = try field.int()
            guard (1...4094).contains(vlan!) else { throw field.fail("VLAN IDs are 1–4094, got \(vlan!)") }
        }
        return Segment(
            name: try name(fields.required("name")), mtu: try fields["mtu"].map(mtu),
            switches: try fields["switches"]?.strings() ?? [],
            vlan: vlan, location: value.location)
    }

    static func readNode(_ value: YAMLValue) throws(TopologyError) -> MTUCore.Node {
        let fields = try value.mapping(allowed: [
            "name", "kind", "vendor", "description", "forwarding", "maxMTU", "maxMTUReason", "interfaces", "icmp",
            "sysctls", "routes",
            "mssClamp", "host", "overlay", "mode",
        ])
        let kind = try oneOf(fields.required("kind"), NodeKind.self, all: NodeKind.allCases)
        var interfaces: [Interface] = []
        for item in try fields["interfaces"]?.list() ?? [] { interfaces.append(try readInterface(item)) }
        let icmp = try fields["icmp"].map(readICMP) ?? ICMPBehaviour()
        let sysctls =
            try fields["sysctls"].map { v throws(TopologyError) in try readSysctls(v, interfaces: interfaces) }
            ?? HostSysctls()
        var routes: [Route] = []
        for item in try fields["routes"]?.list() ?? [] { routes.append(try readRoute(item)) }
        let clamp = try fields["mssClamp"].map(readMSSClamp)
        let mode = try fields["mode"].map { v throws(TopologyError) in
            try oneOf(v, LoadBalancerMode.self, all: [.proxy, .nat])
        }
        if mode != nil, kind != .loadbalancer {
            throw fields["mode"]!.fail("'mode' applies to kind: loadbalancer only")
        }
        let vendor = try fields["vendor"].map { v throws(TopologyError) in
            try oneOf(v, Vendor.self, all: Vendor.allCases)
        }
        return MTUCore.Node(
            name: try name(fields.required("name")), kind: kind,
            vendor: vendor ?? (kind.forwardsByDefault ? .generic : .linux),
            interfaces: interfaces, forwards: try fields["forwarding"]?.bool(), maxMTU: try fields["maxMTU"].map(mtu),
            maxMTUReason: try fields["maxMTUReason"]?.string(), icmp: icmp, sysctls: sysctls, routes: routes,
            mssClamp: clamp,
            host: try fields["host"]?.string(), overlay: try fields["overlay"]?.string(),
            loadBalancerMode: mode ?? .nat,
            location: value.location)
    }

    /// A node's `icmp:`: whether it sends, filters or accepts "too big", and from which source address.
    static func readICMP(_ field: YAMLValue) throws(TopologyError) -> ICMPBehaviour {
        var icmp = ICMPBehaviour()
        let sub = try field.mapping(allowed: [
            "sendsTooBig", "source", "sourceLabel", "filtersTooBig", "acceptsTooBig",
        ])
        if let v = sub["sendsTooBig"] { icmp.sendsTooBig = try v.bool() }
        if let v = sub["filtersTooBig"] { icmp.filtersTooBig = try v.bool() }
        if let v = sub["acceptsTooBig"] { icmp.acceptsTooBig = try v.bool() }
        if let v = sub["source"] {
            let text = try v.string()
            if text == "ingress" || text == "interface" {
                icmp.source = .ingressInterface
            } else if let address = IPAddress(text) {
                icmp.source = .address(address, label: try sub["sourceLabel"]?.string() ?? "fixed source")
            } else {
                throw v.fail("expected 'ingress' or an IP address, got '\(text)'")
            }
        }
        return icmp
    }

    /// A node's `sysctls:` (tcp_mtu_probing, rp_filter for all, default or one of its interfaces).
    static func readSysctls(_ field: YAMLValue, interfaces: [Interface]) throws(TopologyError) -> HostSysctls {
        var sysctls = HostSysctls()
        for (key, item) in try field.freeMapping() {
            let number = try item.int()
            let parts = key.split(separator: ".").map(String.init)
            if key == "net.ipv4.tcp_mtu_probing" {
                guard (0...2).contains(number) else {
                    throw item.fail("tcp_mtu_probing is 0, 1 or 2, got \(number)")
                }
                sysctls.tcpMTUProbing = number
            } else if parts.count == 5, parts[0] == "net", parts[1] == "ipv4", parts[2] == "conf",
                parts[4] == "rp_filter"
            {
                guard (0...2).contains(number) else { throw item.fail("rp_filter is 0, 1 or 2, got \(number)") }
                switch parts[3] {
                case "all": sysctls.rpFilterAll = number
                case "default": sysctls.rpFilterDefault = number
                default:
                    guard interfaces.contains(where: { $0.name == parts[3] }) else {
                        throw item.fail(
                            "no interface '\(parts[3])' on this node"
                                + Suggestion.didYouMean(parts[3], in: interfaces.map(\.name)))
                    }
                    sysctls.rpFilterByInterface[parts[3]] = number
                }
            } else {
                let known = [
                    "net.ipv4.tcp_mtu_probing", "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter",
                    "net.ipv4.conf.IFACE.rp_filter",
                ]
                throw item.fail(
                    "unsupported sysctl '\(key)'" + Suggestion.didYouMean(key, in: known)
                        + "; known: \(known.joined(separator: ", "))")
            }
        }
        return sysctls
    }

    /// One route: a prefix (or default, default6), the interface, an optional next hop.
    static func readRoute(_ item: YAMLValue) throws(TopologyError) -> Route {
        let sub = try item.mapping(allowed: ["to", "interface", "via"])
        let toField = try sub.required("to")
        let toText = try toField.string()
        let destination: IPNetwork?
        switch toText {
        case "default": destination = IPNetwork("0.0.0.0/0")
        case "default6": destination = IPNetwork("::/0")
        default: destination = IPNetwork(toText)
        }
        guard let destination else {
            throw toField.fail("expected a prefix such as 10.0.0.0/8 or 'default', got '\(toText)'")
        }
        if let via = sub["via"], IPAddress(try via.string()) == nil {
            throw via.fail("expected a next-hop IP address")
        }
        return Route(destination: destination, interface: try sub.required("interface").string())
    }

    /// `mssClamp:`: `pmtu`, or a fixed MSS (88–65495).
    static func readMSSClamp(_ field: YAMLValue) throws(TopologyError) -> MSSClamp {
        if case .scalar(let scalar) = field.node, scalar.string == "pmtu" {
            return .toPMTU
        } else {
            let mss = try field.int()
            guard (88...65495).contains(mss) else { throw field.fail("an MSS must be 88–65495, got \(mss)") }
            return .fixed(mss)
        }
    }

    static func readInterface(_ value: YAMLValue) throws(TopologyError) -> Interface {
        let fields = try value.mapping(allowed: [
            "name", "mtu", "parent", "segment", "address", "addresses", "description",
        ])
        var addresses: [IPNetwork] = []
        for key in ["address", "addresses"] {
            guard let field = fields[key] else { continue }
            for text in try field.strings() {
                guard let network = IPNetwork(text) else {
                    throw field.fail("expected an address with prefix length such as 10.0.0.1/24, got '\(text)'")
                }
                addresses.append(network)
            }
        }
        return Interface(
            name: try name(fields.required("name")), mtu: try fields["mtu"].map(mtu),
            parent: try fields["parent"]?.string(),
            segment: try fields["segment"]?.string(), addresses: addresses, location: value.location)
    }

    static func readOverlay(_ value: YAMLValue) throws(TopologyError) -> Overlay {
        let fields = try value.mapping(allowed: [
            "name", "provider", "encapsulation", "geneveOptions", "outerDF", "relaysPTB", "endpoints", "description",
        ])
        let encapsulationField = try fields.required("encapsulation")
        let geneveOptions = try fields["geneveOptions"]?.int() ?? 0
        let stack: EncapsulationStack
        do {
            stack = try EncapsulationStack.parse(try encapsulationField.string(), geneveOptions: geneveOptions)
        } catch let error as EncapsulationParseError {
            throw encapsulationField.fail(error.description)
        } catch {
            throw encapsulationField.fail("\(error)")
        }
        var endpoints: [TunnelEndpoint] = []
        for item in try fields.required("endpoints").list() {
            let sub = try item.mapping(allowed: ["node", "interface"])
            endpoints.append(
                TunnelEndpoint(
                    node: try sub.required("node").string(), interface: try sub.required("interface").string(),
                    location: item.location))
        }
        return Overlay(
            name: try name(fields.required("name")),
            provider: try fields["provider"].map { v throws(TopologyError) in
                try oneOf(v, OverlayProvider.self, all: OverlayProvider.allCases)
            } ?? .generic,
            encapsulation: stack,
            outerDF: try fields["outerDF"].map { v throws(TopologyError) in
                try oneOf(v, OuterDF.self, all: [.set, .unset, .inherit])
            } ?? .unset,
            relaysPTB: try fields["relaysPTB"]?.bool() ?? false, endpoints: endpoints, location: value.location)
    }

    static func readFlow(_ value: YAMLValue) throws(TopologyError) -> Flow {
        let fields = try value.mapping(allowed: [
            "name", "from", "to", "via", "reverseVia", "protocol", "port", "application", "messages", "description",
        ])
        var forwardMessage: Int?
        var reverseMessage: Int?
        if let field = fields["messages"] {
            let sub = try field.mapping(allowed: ["forward", "reverse"])
            for (key, target) in [("forward", 0), ("reverse", 1)] {
                guard let item = sub[key] else { continue }
                let size = try item.int()
                guard size >= 0, size <= 1 << 30 else {
                    throw item.fail("a message size must be 0–1073741824 bytes, got \(size)")
                }
                if target == 0 { forwardMessage = size } else { reverseMessage = size }
            }
        }
        var port: Int?
        if let field = fields["port"] {
            port = try field.int()
            guard (1...65535).contains(port!) else { throw field.fail("ports are 1–65535, got \(port!)") }
        }
        return Flow(
            name: try name(fields.required("name")), from: try fields.required("from").string(),
            to: try fields.required("to").string(),
            via: try fields["via"]?.strings() ?? [], reverseVia: try fields["reverseVia"]?.strings(),
            proto: try fields["protocol"].map { v throws(TopologyError) in
                try oneOf(v, FlowProtocol.self, all: FlowProtocol.allCases)
            } ?? .tcp,
            port: port, application: try fields["application"]?.string(), forwardMessage: forwardMessage,
            reverseMessage: reverseMessage,
            location: value.location)
    }
}
