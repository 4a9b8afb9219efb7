import ArgumentParser
import MTUAgent
import MTUCore
import MTUKube
import MTUModel

/// `kube mesh`: which agents (listed, or their pods through the API), how long to wait for each, how to group.
struct MeshArguments: ParsableArguments {
    @Option(
        help:
            "Agents: [NAME=]HOST:PORT (or HOST: port 9464, 9465 with --network host), comma separated (default: their pods, through the API)."
    )
    var peers: String?

    @OptionGroup var token: AgentTokenOption

    @Option(help: "Per-agent HTTP timeout in milliseconds.")
    var timeout: Int = 3000

    @Option(help: "Which agents: pod (pod network) or host (node and TEP paths).")
    var network = "pod"

    @Option(help: "Without --peers: the agents' namespace.")
    var namespace = "mtu-doctor"

    @Option(help: "Without --peers: the node label the limited pairs are also grouped by.")
    var groupLabel = "topology.kubernetes.io/zone"

    func validate() throws {
        if let peers { _ = try AgentEndpoint.list(peers, flag: "--peers", network: .pod) }
        _ = try agentNetwork()
        guard (100...60000).contains(timeout) else { throw fail("--timeout must be 100–60000 ms, got \(timeout)") }
    }

    /// --network as the vocabulary's word, or a usage error with the known ones.
    func agentNetwork() throws -> AgentNetwork { try choice(network, "network", flag: "--network") }

    /// The agents' results, as the matrix and its groups.
    func report(_ cluster: ClusterOptions) async throws -> MeshReport {
        let token = self.token.resolved
        let network = try agentNetwork()
        // The agents: listed, or their pods through the API (one client, also for the nodes' labels below).
        let client = peers == nil ? try cluster.client() : nil
        let agents =
            if let client {
                try await AgentEndpoint.discover(client, namespace: namespace, network: network)
            } else {
                try AgentEndpoint.list(peers ?? "", flag: "--peers", network: network)
            }
        let (measurements, unreachable) = await MeshMeasurement.gather(
            from: agents, token: token, timeoutMilliseconds: timeout)
        // Found through the API: the nodes' labels (the zone) group the pairs too, when they can be read.
        var labels: [String: String] = [:]
        var labelNote: String?
        if let client {
            do throws(KubeAPIError) {
                labels = try await KubeGatherer.nodeLabels(client, key: groupLabel)
            } catch {
                labelNote = "node labels not read (\(error))"
            }
        }
        let key = groupLabel.split(separator: "/").last.map(String.init) ?? groupLabel
        var report = MeshReport.build(measurements, labels: labels, labelKey: key)
        report.note(unreachable: unreachable, labels: labelNote)
        return report
    }
}
