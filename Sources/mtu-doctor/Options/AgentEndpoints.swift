import ArgumentParser
import MTUAgent
import MTUKube
import MTUModel

extension AgentEndpoint {
    /// The listed agents, a usage error (exit 2) for a bad item.
    static func list(_ text: String, flag: String, network: AgentNetwork) throws -> [AgentEndpoint] {
        do {
            return try parseList(text, flag: flag, defaultPort: defaultPort(network: network))
        } catch {
            throw fail(error.description)
        }
    }

    /// The agents' pods through the API (label app.kubernetes.io/component=mtu-doctor-agent-pod|host).
    static func discover(_ client: KubeClient, namespace: String, network: AgentNetwork) async throws -> [AgentEndpoint]
    {
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
