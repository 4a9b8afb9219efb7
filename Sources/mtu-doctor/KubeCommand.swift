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

/// The token the agents share, for the commands that read them.
struct AgentTokenOption: ParsableArguments {
    @Option(help: "The agents' shared token (or MTU_DOCTOR_TOKEN).")
    var token: String?

    /// The flag, else MTU_DOCTOR_TOKEN, else none.
    var resolved: String { token ?? ProcessInfo.processInfo.environment["MTU_DOCTOR_TOKEN"] ?? "" }
}

/// How to reach the API server.
struct ClusterOptions: ParsableArguments {
    @Option(help: "kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the pod's service account).")
    var kubeconfig: String?

    @Option(help: "kubeconfig context (default: its current-context).")
    var context: String?

    @Option(name: .customLong("api-timeout"), help: "Seconds to wait for each API request.")
    var apiTimeout: Double = 10

    func validate() throws {
        guard apiTimeout >= 0.1, apiTimeout <= 300 else {
            throw fail("--api-timeout must be 0.1–300 s, got \(apiTimeout)")
        }
    }

    /// The client, or a one-line error (exit 2 for a bad kubeconfig, 3 when the server cannot be used).
    func client() throws -> KubeClient {
        let target: KubeTarget
        do {
            target = try KubeConfig.resolve(kubeconfig: kubeconfig, context: context)
        } catch {
            throw fail(error.description)
        }
        do {
            return try KubeClient(target: target, timeoutSeconds: apiTimeout)
        } catch {
            throw fail(error.description, code: 3)
        }
    }
}

extension AgentEndpoint {
    /// The listed agents, a usage error (exit 2) for a bad item.
    static func list(_ text: String, flag: String, network: String) throws -> [AgentEndpoint] {
        do {
            return try parseList(text, flag: flag, defaultPort: defaultPort(network: network))
        } catch {
            throw fail(error.description)
        }
    }

    /// The agents' pods through the API (label app.kubernetes.io/component=mtu-doctor-agent-pod|host).
    static func discover(_ client: KubeClient, namespace: String, network: String) async throws -> [AgentEndpoint] {
        let selector = "app.kubernetes.io/component=mtu-doctor-agent-\(network)"
        do {
            let pods = try await KubeGatherer.agentPods(client, namespace: namespace, labelSelector: selector)
            guard !pods.isEmpty else {
                throw fail(
                    "no running agent pods (\(selector)) in namespace \(namespace): deploy them with `mtu-doctor kube deploy`",
                    code: 1)
            }
            let port = defaultPort(network: network)
            return pods.map { AgentEndpoint(name: $0.node, host: $0.address, port: port) }
        } catch let error as KubeAPIError {
            throw fail("finding the agents: \(error)", code: 3)
        }
    }
}
