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

        @OptionGroup var audit: AuditArguments

        @OptionGroup var token: AgentTokenOption

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let report = KubeAuditor.audit(try await audit.input(cluster, token: token.resolved))
            try output.emit(
                text: { KubeAuditText.render(report) },
                json: { JSONReport.render(report, command: "kube.audit") },
                document: { Documents.kubeAudit(report) })
            if report.verdict != .ok { throw ExitCode(1) }
        }
    }
}
