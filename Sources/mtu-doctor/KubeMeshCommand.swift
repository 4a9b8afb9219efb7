import ArgumentParser
import Foundation
import MTUAgent
import MTUCore
import MTUKube
import MTUReport

extension KubeCommand {
    struct Mesh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Gather every agent's results into the N×N directed matrix of path MTUs and group the broken pairs.",
            discussion: """
                Asks each agent's /results (HTTP, with the token), builds the directed matrix (forward results first, \
                an agent's reverse measurement where the sender reported nothing), groups the limited pairs by subnet \
                and by node, and says where the boundary likely is. Stale results count as missing, never as fresh. \
                Without --peers the agents are found through the Kubernetes API (their pods in --namespace).

                Exit status: 0 every pair passes, 1 limited pairs or missing agents, 2 bad input, 3 the API server \
                could not be used.

                Examples:
                  mtu-doctor kube mesh --peers 10.88.1.11:9464,10.88.1.12:9464,10.88.2.13:9464 --token s3cret
                  mtu-doctor kube mesh --network host --format html -o mesh.html
                """
        )

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

        @OptionGroup var cluster: ClusterOptions

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let peers { _ = try AgentEndpoint.list(peers, flag: "--peers", network: "pod") }
            guard ["pod", "host"].contains(network) else {
                throw fail("--network must be pod or host, got '\(network)'")
            }
            guard (100...60000).contains(timeout) else { throw fail("--timeout must be 100–60000 ms, got \(timeout)") }
        }

        func run() async throws {
            let token = self.token.resolved
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
            let final = report
            try output.emit(
                text: { MeshText.render(final) },
                json: { JSONReport.render(final, command: "kube.mesh") },
                document: { Documents.mesh(final) })
            if final.verdict != .ok { throw ExitCode(1) }
        }
    }
}
