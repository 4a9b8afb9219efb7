import ArgumentParser
import Foundation
import MTUAgent
import MTUCore
import MTUKube

/// `agent`: where the peers come from. The cluster options sit between these and `AgentRunOptions` in the help.
struct AgentPeerOptions: ParsableArguments {
    @Option(help: "This node's name in results and metrics (default: the host name).")
    var node: String?

    @Option(help: "Peers: NAME=ADDRESS or ADDRESS, comma separated.")
    var peers: String?

    @Option(help: "A DNS name whose addresses are the peers (a headless Service), resolved every round.")
    var dns: String?

    @Option(
        help: "A label selector: the peers are the running pods it matches (Kubernetes API), looked up every round.")
    var kubeSelector: String?

    @Option(help: "Namespace for --kube-selector (default: the kubeconfig context's, or the pod's own).")
    var kubeNamespace: String?

    /// The listed peers; `validate` has refused a bad item.
    var listed: [Peer] { (peers ?? "").split(separator: ",").compactMap { Peer(String($0)) } }

    func validate() throws {
        guard peers != nil || dns != nil || kubeSelector != nil else {
            throw fail("give --peers, --dns or --kube-selector")
        }
        if let bad = (peers ?? "").split(separator: ",").first(where: { Peer(String($0)) == nil }) {
            throw fail("--peers: '\(bad)' is not NAME=ADDRESS or an IP address")
        }
    }

    /// The Kubernetes discovery behind --kube-selector (nil without it): the running pods it matches, each round.
    func kubernetes(_ cluster: ClusterOptions) throws -> PeerDiscovery? {
        guard let kubeSelector else { return nil }
        let client = try cluster.client()
        let namespace = kubeNamespace ?? client.target.namespace
        return PeerDiscovery(source: "kubernetes") {
            let result = KubeClient.result { () async throws(KubeAPIError) in
                try await KubeGatherer.agentPods(client, namespace: namespace, labelSelector: kubeSelector)
            }
            return result.map { $0.map { Peer(name: $0.node, address: $0.address) } }.mapError {
                PeerDiscovery.DiscoveryFailure($0.description)
            }
        }
    }
}

/// `agent`: the HTTP and responder ports, the pace, the token and the lifetime.
struct AgentRunOptions: ParsableArguments {
    @Option(help: "HTTP port for /metrics, /results, /healthz, /readyz.")
    var listen: UInt16 = 9464

    @Option(help: "UDP port of the reverse-path responder (peers measure the way back through it).")
    var responderPort: UInt16 = 4790

    @Option(help: "Seconds between the starts of two rounds.")
    var interval: Double = 30

    @Option(help: "Average probe packets per second for the whole agent.")
    var pps: Double = 100

    @Option(help: "Peers measured at the same time.")
    var concurrency: Int = 4

    @Option(help: "Per-probe timeout in milliseconds.")
    var timeout: Int = 1000

    @Option(help: "Shared token (or MTU_DOCTOR_TOKEN): required on HTTP and lets peers ask for large replies.")
    var token: String?

    @Option(help: "Networks allowed to use the HTTP API and the responder (CIDR, comma separated; default: any).")
    var allow: String?

    @Option(help: "Results older than this many seconds are served as stale (default: 3 intervals).")
    var staleAfter: Double?

    @Option(help: "Stop after this many seconds (default: run until killed).")
    var duration: Double?

    /// The flag, else MTU_DOCTOR_TOKEN, else none.
    var resolvedToken: String { token ?? ProcessInfo.processInfo.environment["MTU_DOCTOR_TOKEN"] ?? "" }
    var allowed: [IPNetwork] { (allow ?? "").split(separator: ",").compactMap { IPNetwork(String($0)) } }

    func validate() throws {
        guard interval >= 1, interval <= 86400 else { throw fail("--interval must be 1–86400 s, got \(interval)") }
        guard pps >= 1, pps <= 10000 else { throw fail("--pps must be 1–10000, got \(pps)") }
        guard (1...64).contains(concurrency) else { throw fail("--concurrency must be 1–64, got \(concurrency)") }
        guard (10...60000).contains(timeout) else { throw fail("--timeout must be 10–60000 ms, got \(timeout)") }
        if let bad = (allow ?? "").split(separator: ",").first(where: { IPNetwork(String($0)) == nil }) {
            throw fail("--allow: '\(bad)' is not a CIDR network")
        }
    }

    /// The service's configuration for this node and these peers.
    func configuration(node: String, peers: AgentPeerOptions, discovery: PeerDiscovery?) -> AgentService.Configuration {
        var options = Agent.Options(
            node: node, peers: PeerDiscovery.everyRound(listed: peers.listed, dns: peers.dns, kubernetes: discovery))
        options.discovery = discovery
        options.intervalSeconds = interval
        options.packetsPerSecond = pps
        options.concurrency = concurrency
        options.timeoutMilliseconds = timeout
        options.responderPort = responderPort
        options.token = Array(resolvedToken.utf8)
        options.staleAfterSeconds = staleAfter ?? interval * 3
        var configuration = AgentService.Configuration(agent: options)
        configuration.listenPort = listen
        configuration.allowed = allowed
        configuration.token = resolvedToken
        configuration.duration = duration
        return configuration
    }
}
