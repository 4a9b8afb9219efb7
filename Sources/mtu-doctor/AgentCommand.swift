import ArgumentParser
import Foundation
import MTUAgent
import MTUCore
import MTUKube
import MTUProbe
import MTUReport

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

    @OptionGroup var cluster: ClusterOptions

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

    func validate() throws {
        guard peers != nil || dns != nil || kubeSelector != nil else {
            throw fail("give --peers, --dns or --kube-selector")
        }
        if let peers, peers.split(separator: ",").contains(where: { Peer(String($0)) == nil }) {
            let bad = peers.split(separator: ",").first { Peer(String($0)) == nil }!
            throw fail("--peers: '\(bad)' is not NAME=ADDRESS or an IP address")
        }
        guard interval >= 1, interval <= 86400 else { throw fail("--interval must be 1–86400 s, got \(interval)") }
        guard pps >= 1, pps <= 10000 else { throw fail("--pps must be 1–10000, got \(pps)") }
        guard (1...64).contains(concurrency) else { throw fail("--concurrency must be 1–64, got \(concurrency)") }
        guard (10...60000).contains(timeout) else { throw fail("--timeout must be 10–60000 ms, got \(timeout)") }
        if let allow, allow.split(separator: ",").contains(where: { IPNetwork(String($0)) == nil }) {
            throw fail(
                "--allow: '\(allow.split(separator: ",").first { IPNetwork(String($0)) == nil }!)' is not a CIDR network"
            )
        }
    }

    func run() throws {
        let token = self.token ?? ProcessInfo.processInfo.environment["MTU_DOCTOR_TOKEN"] ?? ""
        let allowed = (allow ?? "").split(separator: ",").compactMap { IPNetwork(String($0)) }
        let staticPeers = (peers ?? "").split(separator: ",").compactMap { Peer(String($0)) }
        var discovery: PeerDiscovery?
        if let kubeSelector {
            let client = try cluster.client()
            let namespace = kubeNamespace ?? client.target.namespace
            discovery = PeerDiscovery(source: "kubernetes") {
                let result = KubeClient.result { () async throws(KubeAPIError) in
                    try await KubeGatherer.agentPods(client, namespace: namespace, labelSelector: kubeSelector)
                }
                return result.map { $0.map { Peer(name: $0.node, address: $0.address) } }.mapError {
                    PeerDiscovery.DiscoveryFailure($0.description)
                }
            }
        }
        var options = Agent.Options(
            node: node ?? ProcessInfo.processInfo.hostName,
            peers: PeerDiscovery.everyRound(listed: staticPeers, dns: dns, kubernetes: discovery))
        options.discovery = discovery
        options.intervalSeconds = interval
        options.packetsPerSecond = pps
        options.concurrency = concurrency
        options.timeoutMilliseconds = timeout
        options.responderPort = responderPort
        options.token = Array(token.utf8)
        options.staleAfterSeconds = staleAfter ?? interval * 3
        var configuration = AgentService.Configuration(agent: options)
        configuration.listenPort = listen
        configuration.allowed = allowed
        configuration.token = token
        configuration.duration = duration
        let service: AgentService
        do {
            service = try AgentService(configuration)
        } catch {
            throw fail(error.description)
        }
        var standardError = StandardError()
        if token.isEmpty {
            print(
                "warning: no --token (or MTU_DOCTOR_TOKEN): /results and /metrics are served to anyone who reaches port \(service.httpPort)\(allowed.isEmpty ? ", from any network (no --allow)" : "")",
                to: &standardError)
        }
        print(
            "mtu-doctor agent \(options.node): HTTP on :\(service.httpPort), responder on UDP :\(responderPort)",
            to: &standardError)
        service.run()
    }
}
