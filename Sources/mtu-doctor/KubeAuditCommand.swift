import ArgumentParser
import Foundation
import MTUAgent
import MTUCore
import MTUKube
import MTUReport

extension KubeCommand {
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Audit the CNI's MTU against the nodes and the measured paths between them, with the exact fix.",
            discussion: """
                Reads the nodes, the DaemonSets and the CNI's own objects (Calico: Installation, FelixConfiguration, \
                IPPools, calico-config; Cilium: cilium-config; Flannel: kube-flannel-cfg; AWS VPC CNI: aws-node's \
                environment), works out the encapsulation and the pod MTU in effect, and compares it with the \
                underlay: node interface MTUs and node-to-node path MTUs from the host-network agents (--agents), \
                --node-mtu, --underlay-mtu. Findings carry the kubectl patch or Helm value that fixes them. An \
                object the credentials may not read (403), a CRD that is not installed (404) or a slow answer is \
                one line under "Not readable", and the rest is still audited.

                Exit status: 0 fits, 1 problems found or the audit is incomplete, 2 bad input, 3 the API server \
                could not be used (unreachable, TLS, refused credentials).

                Examples:
                  mtu-doctor kube audit
                  mtu-doctor kube audit --context west --agents cluster --token $TOKEN
                  mtu-doctor kube audit --node-mtu 9001 --underlay-mtu 8500 --format markdown -o audit.md
                  kubectl get nodes,daemonsets,configmaps -A -o yaml > cluster.yaml
                  mtu-doctor kube audit --from-file cluster.yaml --node-mtu 9001 --underlay-mtu 8500
                """
        )

        @OptionGroup var cluster: ClusterOptions

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

        @OptionGroup var token: AgentTokenOption

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let nodeMTU { _ = try Self.nodeMTUs(nodeMTU) }
            if let underlayMTU, !(576...65535).contains(underlayMTU) {
                throw fail("--underlay-mtu must be 576–65535, got \(underlayMTU)")
            }
            if let agents, agents != "cluster" { _ = try AgentEndpoint.list(agents, flag: "--agents", network: "host") }
            if let podAgents, podAgents != "cluster" {
                _ = try AgentEndpoint.list(podAgents, flag: "--pod-agents", network: "pod")
            }
        }

        static func nodeMTUs(_ text: String) throws -> [String: Int] {
            do { return try KubeAuditInput.parseNodeMTUs(text) } catch { throw fail(error.description) }
        }

        /// The objects: from the API server, or from saved files.
        func gather() async throws -> KubeAuditInput {
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

        func run() async throws {
            var input = try await gather()
            input.underlayMTU = underlayMTU
            if let nodeMTU { input.addNodeMTUs(try Self.nodeMTUs(nodeMTU)) }
            let token = self.token.resolved
            for (list, network) in [(agents, "host"), (podAgents, "pod")] {
                guard let list else { continue }
                let endpoints =
                    list == "cluster"
                    ? try await AgentEndpoint.discover(cluster.client(), namespace: agentsNamespace, network: network)
                    : try AgentEndpoint.list(
                        list, flag: network == "host" ? "--agents" : "--pod-agents", network: network)
                await input.read(
                    agents: endpoints, network: network, token: token,
                    timeoutMilliseconds: Int(cluster.apiTimeout * 1000))
            }
            let report = KubeAuditor.audit(input)
            try output.emit(
                text: { KubeAuditText.render(report) },
                json: { JSONReport.render(report, command: "kube.audit") },
                document: { Documents.kubeAudit(report) })
            if report.verdict != .ok { throw ExitCode(1) }
        }
    }
}
