import ArgumentParser
import Foundation
import MTUKube

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
