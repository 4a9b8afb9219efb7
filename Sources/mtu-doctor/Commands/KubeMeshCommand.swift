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

        @OptionGroup var mesh: MeshArguments

        @OptionGroup var cluster: ClusterOptions

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let report = try await mesh.report(cluster)
            try output.emit(
                text: { MeshText.render(report) },
                json: { JSONReport.render(report, command: "kube.mesh") },
                document: { Documents.mesh(report) })
            if report.verdict != .ok { throw ExitCode(1) }
        }
    }
}
