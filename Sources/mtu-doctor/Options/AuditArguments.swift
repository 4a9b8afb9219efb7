import ArgumentParser
import Foundation
import MTUAgent
import MTUCore
import MTUKube
import MTUModel

/// `kube audit`: where the objects come from (the API server or saved files), what is known of the underlay, and
/// which agents to read.
struct AuditArguments: ParsableArguments {
    @Option(
        name: .customLong("from-file"),
        help:
            "Audit objects saved with `kubectl get nodes,daemonsets,configmaps -A -o yaml` (and, for Calico, `kubectl get installations.operator.tigera.io,ippools.crd.projectcalico.org,felixconfigurations.crd.projectcalico.org -o yaml`) instead of asking the API server (repeatable; YAML or JSON, UTF-8 or UTF-16, several documents per file)."
    )
    var fromFiles: [String] = []

    @Option(help: "Node interface MTU: one value for every node, or NAME=MTU,… per node.")
    var nodeMTU: String?

    @Option(
        help: "The smallest MTU between nodes when known from elsewhere (e.g. 8500 through an AWS transit gateway)."
    )
    var underlayMTU: Int?

    @Option(
        help:
            "Host-network agents to read node MTUs and node-to-node paths from: [NAME=]HOST[:PORT],… or `cluster` (their pods, through the API)."
    )
    var agents: String?

    @Option(help: "Pod-network agents (the pod MTU actually in use): [NAME=]HOST[:PORT],… or `cluster`.")
    var podAgents: String?

    @Option(help: "Namespace of the agents for `cluster`.")
    var agentsNamespace = "mtu-doctor"

    func validate() throws {
        if let nodeMTU { _ = try Self.nodeMTUs(nodeMTU) }
        if let underlayMTU, !(576...65535).contains(underlayMTU) {
            throw fail("--underlay-mtu must be 576–65535, got \(underlayMTU)")
        }
        if let agents, agents != "cluster" { _ = try AgentEndpoint.list(agents, flag: "--agents", network: .host) }
        if let podAgents, podAgents != "cluster" {
            _ = try AgentEndpoint.list(podAgents, flag: "--pod-agents", network: .pod)
        }
    }

    static func nodeMTUs(_ text: String) throws -> [String: Int] {
        do { return try KubeAuditInput.parseNodeMTUs(text) } catch { throw fail(error.description) }
    }

    /// The objects: from the API server, or from saved files.
    func gather(_ cluster: ClusterOptions) async throws -> KubeAuditInput {
        let result: KubeGatherer.Gathered
        var input: KubeAuditInput
        if !fromFiles.isEmpty {
            do { result = try KubeObjectsFile.gather(fromFiles) } catch { throw fail(error.description) }
            let name = fromFiles.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")
            input = KubeAuditInput(server: "saved objects", context: name, objects: result.objects)
        } else {
            let client = try cluster.client()
            let read = await KubeGatherer.gather(client)
            if let fatal = read.fatal {
                throw fail("\(fatal) — nothing was audited (\(client.target.source))", code: 3)
            }
            result = read
            input = KubeAuditInput(
                server: client.target.server, context: client.target.context, objects: result.objects)
        }
        input.audited = result.audited
        input.gaps = result.gaps
        return input
    }

    /// The audit's input: the objects, the underlay from the flags, the agents' measurements.
    func input(_ cluster: ClusterOptions, token: String) async throws -> KubeAuditInput {
        var input = try await gather(cluster)
        input.underlayMTU = underlayMTU
        if let nodeMTU { input.addNodeMTUs(try Self.nodeMTUs(nodeMTU)) }
        for (list, network) in [(agents, AgentNetwork.host), (podAgents, .pod)] {
            guard let list else { continue }
            let endpoints =
                list == "cluster"
                ? try await AgentEndpoint.discover(cluster.client(), namespace: agentsNamespace, network: network)
                : try AgentEndpoint.list(list, flag: network == .host ? "--agents" : "--pod-agents", network: network)
            await input.read(
                agents: endpoints, network: network, token: token, timeoutMilliseconds: Int(cluster.apiTimeout * 1000))
        }
        return input
    }
}
