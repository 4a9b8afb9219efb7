import ArgumentParser
import Foundation
import MTUAgent
import MTUCore

struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract:
            "Run the mesh agent: probe every peer periodically, both ways, and serve the results (JSON, Prometheus).",
        discussion: """
            Each round measures every peer's path MTU forward (DF probes) and back (through the peer's own responder, \
            which this agent also runs on --responder-port), with jitter, at most --concurrency at a time and \
            --pps probe packets per second on average. Peers come from --peers (NAME=ADDRESS or ADDRESS, comma \
            separated), --dns (every address of a name, e.g. a headless Service, resolved each round) or \
            --kube-selector (the running pods matching a label selector, through the Kubernetes API, each round; \
            while the API is unreachable the last list stays in use and the failure shows in /results and /metrics).

            HTTP on --listen: /metrics (Prometheus), /results (JSON: latest per peer, stale ones marked), \
            /results/ADDRESS (history), /healthz, /readyz (after the first round). Everything but the health \
            endpoints needs the token (Authorization: Bearer …); requests from outside --allow are refused.

            Examples:
              mtu-doctor agent --node n1 --peers n2=10.88.1.12,n3=10.88.2.13 --token s3cret
              mtu-doctor agent --dns mtu-doctor-agents.mtu-doctor.svc.cluster.local --allow 10.0.0.0/8
            """
    )

    @OptionGroup var peers: AgentPeerOptions

    @OptionGroup var cluster: ClusterOptions

    @OptionGroup var settings: AgentRunOptions

    func run() throws {
        let node = peers.node ?? ProcessInfo.processInfo.hostName
        let configuration = settings.configuration(node: node, peers: peers, discovery: try peers.kubernetes(cluster))
        let service: AgentService
        do {
            service = try AgentService(configuration)
        } catch {
            throw fail(error.description)
        }
        var standardError = StandardError()
        if configuration.token.isEmpty {
            let networks = configuration.allowed.isEmpty ? ", from any network (no --allow)" : ""
            print(
                "warning: no --token (or MTU_DOCTOR_TOKEN): /results and /metrics are served to anyone who reaches "
                    + "port \(service.httpPort)\(networks)", to: &standardError)
        }
        print(
            "mtu-doctor agent \(node): HTTP on :\(service.httpPort), responder on UDP :\(settings.responderPort)",
            to: &standardError)
        service.run()
    }
}
