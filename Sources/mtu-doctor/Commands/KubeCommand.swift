import ArgumentParser
import Foundation
import MTUAgent
import MTUCore
import MTUKube
import MTUReport

struct KubeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube",
        abstract:
            "Kubernetes: audit the CNI's MTU, deploy the agents, gather their measurements into a mesh, diagnose from a pod or node.",
        discussion: """
            The cluster is reached like kubectl does: the kubeconfig option, else KUBECONFIG (merged), else \
            ~/.kube/config, else the pod's service account; the context option picks a context. Installed as \
            kubectl-mtu, this is `kubectl mtu audit|mesh|deploy`.

            Examples:
              mtu-doctor kube audit --context prod --node-mtu 9001 --underlay-mtu 8500
              mtu-doctor kube deploy --image registry.example/mtu-doctor:0.1.0
              mtu-doctor kube mesh --token s3cret --format html -o mesh.html
            """,
        subcommands: [Audit.self, Mesh.self, Deploy.self, Diagnose.self]
    )
}
