#if os(Linux)
import Foundation
import MTUCore

/// An agent's address as the commands take it (`kube mesh --peers`, `kube audit --agents`): `[NAME=]HOST[:PORT]`,
/// `[v6]:PORT`, an optional `http://`; and what its `/results` say, as the mesh and the audit use them.
public struct AgentEndpoint: Sendable, Equatable {
    public var name: String?
    public var host: String
    public var port: UInt16

    public init(name: String? = nil, host: String, port: UInt16) {
        self.name = name
        self.host = host
        self.port = port
    }

    /// What was wrong with one item of a list, e.g. "--peers: bad port in 'a:99999'".
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// A comma-separated list; `flag` names the option in errors.
    public static func parseList(_ text: String, flag: String, defaultPort: UInt16) throws(ParseError)
        -> [AgentEndpoint]
    {
        var endpoints: [AgentEndpoint] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            var host = (parts.last ?? "").replacingOccurrences(of: "http://", with: "")
            var port = defaultPort
            // HOST:PORT, or [v6]:PORT; a bare IPv6 address has more than one colon and no port.
            if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]"),
                host.filter({ $0 == ":" }).count == 1 || host.hasPrefix("[")
            {
                guard let value = UInt16(host[host.index(after: colon)...]) else {
                    throw ParseError(description: "\(flag): bad port in '\(item)'")
                }
                port = value
                host = String(host[..<colon])
            }
            host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            guard !host.isEmpty else { throw ParseError(description: "\(flag): empty host in '\(item)'") }
            endpoints.append(AgentEndpoint(name: parts.count == 2 ? parts[0] : nil, host: host, port: port))
        }
        return endpoints
    }

    /// The agents' HTTP port on the pod or the host network, as the manifests set it.
    public static func defaultPort(network: AgentNetwork) -> UInt16 {
        let options = KubeManifests.Options()
        return UInt16(network == .host ? options.hostPort : options.podPort)
    }

    /// The agent's /results, decoded.
    public func snapshot(token: String, timeoutMilliseconds: Int) async -> Result<
        AgentSnapshot, AgentHTTPClient.Failure
    > {
        let body: [UInt8]
        do {
            body = try await AgentHTTPClient.get(
                host: host, port: port, path: "/results", token: token, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            return .failure(error)
        }
        guard let snapshot = try? JSONDecoder().decode(AgentSnapshot.self, from: Data(body)) else {
            return .failure(.init(description: "\(host):\(port): /results is not an agent's JSON"))
        }
        return .success(snapshot)
    }
}

extension AgentEndpoint {
    /// Every agent's /results, asked at the same time (so N agents cost one timeout, not N), in the agents' order.
    public static func snapshots(of agents: [AgentEndpoint], token: String, timeoutMilliseconds: Int) async
        -> [Result<AgentSnapshot, AgentHTTPClient.Failure>]
    {
        await withTaskGroup(of: (Int, Result<AgentSnapshot, AgentHTTPClient.Failure>).self) { group in
            for (index, agent) in agents.enumerated() {
                group.addTask { (index, await agent.snapshot(token: token, timeoutMilliseconds: timeoutMilliseconds)) }
            }
            var answers = [Result<AgentSnapshot, AgentHTTPClient.Failure>?](repeating: nil, count: agents.count)
            for await (index, answer) in group { answers[index] = answer }
            return answers.map { $0! }
        }
    }
}

extension AgentSnapshot {
    /// Both directions of every measured peer, as the mesh's directed pairs: the agent's forward result is
    /// agent → peer, its reverse result (through the peer's responder) peer → agent. `agentHost` is the address the
    /// agent was reached at.
    public func meshMeasurements(agentHost: String) -> [MeshMeasurement] {
        var measurements: [MeshMeasurement] = []
        for status in peers {
            guard let latest = status.latest else { continue }
            measurements.append(
                MeshMeasurement(
                    from: node, fromAddress: agentHost, to: status.peer.name, toAddress: status.peer.address,
                    pathMTU: latest.forward.pathMTU, verdict: latest.forward.verdict, stale: status.stale,
                    measuredBy: node))
            if latest.reverse.pathMTU != nil {
                measurements.append(
                    MeshMeasurement(
                        from: status.peer.name, fromAddress: status.peer.address, to: node, toAddress: agentHost,
                        pathMTU: latest.reverse.pathMTU, verdict: latest.reverse.verdict, stale: status.stale,
                        measuredBy: node))
            }
        }
        return measurements
    }

    /// What `kube audit` learns from this agent: its node's facts and its fresh forward paths. A host-network agent
    /// reports the node's interface MTU, rp_filter and tcp_mtu_probing; a pod-network agent its pod's MTU.
    public func auditFacts(network: AgentNetwork, endpoint: AgentEndpoint) -> (node: NodeFact, paths: [PathFact]) {
        let fact =
            network == .host
            ? NodeFact(
                node: node, interfaceMTU: interfaceMTU, rpFilter: host?.rpFilter, tcpMTUProbing: host?.tcpMTUProbing,
                source: "agent \(endpoint.host)")
            : NodeFact(node: node, podMTU: interfaceMTU, source: "pod agent \(endpoint.host)")
        let paths = peers.filter { !$0.stale }.compactMap { status in
            status.latest?.forward.pathMTU.map { PathFact(from: node, to: status.peer.name, pathMTU: $0) }
        }
        return (fact, paths)
    }
}
extension KubeAuditInput {
    /// Reads each agent's /results into the audit: its node's facts and its fresh forward paths (host network:
    /// node-to-node; pod network: pod-to-pod). An agent that does not answer is a gap, named with its address.
    public mutating func read(
        agents endpoints: [AgentEndpoint], network: AgentNetwork, token: String, timeoutMilliseconds: Int
    ) async {
        let answers = await AgentEndpoint.snapshots(
            of: endpoints, token: token, timeoutMilliseconds: timeoutMilliseconds)
        for (endpoint, answer) in zip(endpoints, answers) {
            switch answer {
            case .failure(let error):
                gaps.append("\(network)-network agent \(endpoint.host):\(endpoint.port): \(error.description)")
            case .success(let snapshot):
                audited.append("\(network)-network agent \(snapshot.node) (\(endpoint.host):\(endpoint.port))")
                let facts = snapshot.auditFacts(network: network, endpoint: endpoint)
                nodeFacts.append(facts.node)
                if network == .host { paths += facts.paths } else { podPaths += facts.paths }
            }
        }
    }
}
extension MeshMeasurement {
    /// Every agent's measurements, both directions, as `kube mesh` reads them; an agent that does not answer is one
    /// line in `unreachable`, never a missing pair silently.
    public static func gather(from agents: [AgentEndpoint], token: String, timeoutMilliseconds: Int) async
        -> (measurements: [MeshMeasurement], unreachable: [String])
    {
        var measurements: [MeshMeasurement] = []
        var unreachable: [String] = []
        let answers = await AgentEndpoint.snapshots(of: agents, token: token, timeoutMilliseconds: timeoutMilliseconds)
        for (agent, answer) in zip(agents, answers) {
            switch answer {
            case .success(let snapshot): measurements += snapshot.meshMeasurements(agentHost: agent.host)
            case .failure(let error): unreachable.append(error.description)
            }
        }
        return (measurements, unreachable)
    }
}
#endif
