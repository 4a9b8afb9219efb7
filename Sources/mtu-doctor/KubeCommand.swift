import ArgumentParser
import Foundation
import MTUAgent
import MTUCore
import MTUKube
import MTUReport

struct KubeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube",
        abstract: "Kubernetes: audit the CNI's MTU, deploy the agents, gather their measurements into a mesh, diagnose from a pod or node.",
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

/// How to reach the API server.
struct ClusterOptions: ParsableArguments {
    @Option(help: "kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then the pod's service account).")
    var kubeconfig: String?

    @Option(help: "kubeconfig context (default: its current-context).")
    var context: String?

    @Option(name: .customLong("api-timeout"), help: "Seconds to wait for each API request.")
    var apiTimeout: Double = 10

    func validate() throws {
        guard apiTimeout >= 0.1, apiTimeout <= 300 else { throw fail("--api-timeout must be 0.1–300 s, got \(apiTimeout)") }
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

/// An agent's address as the commands take it: `[NAME=]HOST[:PORT]`, `[v6]:PORT`, an optional `http://`.
struct AgentEndpoint: Sendable {
    var name: String?
    var host: String
    var port: UInt16

    static func parseList(_ text: String, flag: String, defaultPort: UInt16) throws -> [AgentEndpoint] {
        try text.split(separator: ",").map { item in
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            var text = (parts.last ?? "").replacingOccurrences(of: "http://", with: "")
            var port = defaultPort
            if let colon = text.lastIndex(of: ":"), !text.hasSuffix("]"), text.filter({ $0 == ":" }).count == 1 || text.hasPrefix("[") {
                guard let value = UInt16(text[text.index(after: colon)...]) else { throw fail("\(flag): bad port in '\(item)'") }
                port = value
                text = String(text[..<colon])
            }
            text = text.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            guard !text.isEmpty else { throw fail("\(flag): empty host in '\(item)'") }
            return AgentEndpoint(name: parts.count == 2 ? parts[0] : nil, host: text, port: port)
        }
    }

    /// The agents' HTTP port on the pod or the host network, as the manifests set it.
    static func defaultPort(network: String) -> UInt16 {
        let options = KubeManifests.Options()
        return UInt16(network == "host" ? options.hostPort : options.podPort)
    }

    /// The agents' pods through the API (label app.kubernetes.io/component=mtu-doctor-agent-pod|host).
    static func discover(_ client: KubeClient, namespace: String, network: String) throws -> [AgentEndpoint] {
        let selector = "app.kubernetes.io/component=mtu-doctor-agent-\(network)"
        do {
            let pods = try KubeClient.blocking { () async throws(KubeAPIError) in
                try await KubeGatherer.agentPods(client, namespace: namespace, labelSelector: selector)
            }
            guard !pods.isEmpty else { throw fail("no running agent pods (\(selector)) in namespace \(namespace): deploy them with `mtu-doctor kube deploy`", code: 1) }
            let port = defaultPort(network: network)
            return pods.map { AgentEndpoint(name: $0.node, host: $0.address, port: port) }
        } catch let error as KubeAPIError {
            throw fail("finding the agents: \(error)", code: 3)
        }
    }

    /// The agent's /results, decoded.
    func snapshot(token: String, timeoutMilliseconds: Int) -> Result<AgentSnapshot, AgentHTTPClient.Failure> {
        let body: [UInt8]
        do {
            body = try AgentHTTPClient.get(host: host, port: port, path: "/results", token: token, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            return .failure(error)
        }
        guard let snapshot = try? JSONDecoder().decode(AgentSnapshot.self, from: Data(body)) else {
            return .failure(.init(description: "\(host):\(port): /results is not an agent's JSON"))
        }
        return .success(snapshot)
    }
}

extension KubeCommand {
    struct Audit: ParsableCommand {
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

        @Option(name: .customLong("from-file"), help: "Audit objects saved with `kubectl get nodes,daemonsets,configmaps -A -o yaml` (and, for Calico, `kubectl get installations.operator.tigera.io,ippools.crd.projectcalico.org,felixconfigurations.crd.projectcalico.org -o yaml`) instead of asking the API server (repeatable; YAML or JSON, UTF-8 or UTF-16, several documents per file).")
        var fromFiles: [String] = []

        @Option(help: "Node interface MTU: one value for every node, or NAME=MTU,… per node.")
        var nodeMTU: String?

        @Option(help: "The smallest MTU between nodes when known from elsewhere (e.g. 8500 through an AWS transit gateway).")
        var underlayMTU: Int?

        @Option(help: "Host-network agents to read node MTUs and node-to-node paths from: [NAME=]HOST[:PORT],… or `cluster` (their pods, through the API).")
        var agents: String?

        @Option(help: "Pod-network agents (the pod MTU actually in use): [NAME=]HOST[:PORT],… or `cluster`.")
        var podAgents: String?

        @Option(help: "Namespace of the agents for `cluster`.")
        var agentsNamespace = "mtu-doctor"

        @Option(help: "The agents' shared token (or MTU_DOCTOR_TOKEN).")
        var token: String?

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let nodeMTU { _ = try Self.nodeMTUs(nodeMTU) }
            if let underlayMTU, !(576...65535).contains(underlayMTU) { throw fail("--underlay-mtu must be 576–65535, got \(underlayMTU)") }
            if let agents, agents != "cluster" { _ = try AgentEndpoint.parseList(agents, flag: "--agents", defaultPort: AgentEndpoint.defaultPort(network: "host")) }
            if let podAgents, podAgents != "cluster" { _ = try AgentEndpoint.parseList(podAgents, flag: "--pod-agents", defaultPort: AgentEndpoint.defaultPort(network: "pod")) }
        }

        static func nodeMTUs(_ text: String) throws -> [String: Int] {
            var result: [String: Int] = [:]
            for item in text.split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard let value = Int(parts.last ?? ""), (576...65535).contains(value) else {
                    throw fail("--node-mtu: '\(item)' is not MTU or NAME=MTU (576–65535)")
                }
                result[parts.count == 2 ? parts[0] : "*"] = value
            }
            return result
        }

        /// The objects: from the API server, or from saved files.
        func gather() throws -> (KubeAuditInput, KubeGatherer.Gathered) {
            guard fromFiles.isEmpty else {
                var result = KubeGatherer.Gathered()
                for file in fromFiles {
                    let items: [JSONValue]
                    do { items = try KubeObjectsFile.load(file) } catch { throw fail(error.description) }
                    let counts = result.objects.add(items)
                    guard !counts.isEmpty else { throw fail("--from-file \(file): no Node, DaemonSet, ConfigMap or Calico objects in it") }
                    result.audited.append("\(file): " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
                }
                let name = fromFiles.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")
                return (KubeAuditInput(server: "saved objects", context: name, objects: result.objects), result)
            }
            let client = try cluster.client()
            let gathered = KubeClient.result { () async throws(KubeAPIError) in await KubeGatherer.gather(client) }
            guard case .success(let result) = gathered else { throw fail("cannot read the cluster", code: 3) }
            if let fatal = result.fatal {
                throw fail("\(fatal) — nothing was audited (\(client.target.source))", code: 3)
            }
            return (KubeAuditInput(server: client.target.server, context: client.target.context, objects: result.objects), result)
        }

        func run() throws {
            var (input, result) = try gather()
            input.audited = result.audited
            input.gaps = result.gaps
            input.underlayMTU = underlayMTU
            if let nodeMTU {
                let values = try Self.nodeMTUs(nodeMTU)
                let names = result.objects.nodes.compactMap { $0[path: "metadata.name"].string }
                for name in names {
                    if let value = values[name] ?? values["*"] { input.nodeFacts.append(NodeFact(node: name, interfaceMTU: value, source: "--node-mtu")) }
                }
                if names.isEmpty, let value = values["*"] {
                    // No Node objects saved: the value still stands for every node.
                    input.nodeFacts.append(NodeFact(node: "every node (--node-mtu)", interfaceMTU: value, source: "--node-mtu"))
                }
                for (name, value) in values where name != "*" && !names.contains(name) {
                    input.nodeFacts.append(NodeFact(node: name, interfaceMTU: value, source: "--node-mtu"))
                }
            }
            let token = self.token ?? ProcessInfo.processInfo.environment["MTU_DOCTOR_TOKEN"] ?? ""
            for (list, network) in [(agents, "host"), (podAgents, "pod")] {
                guard let list else { continue }
                let endpoints = list == "cluster"
                    ? try AgentEndpoint.discover(cluster.client(), namespace: agentsNamespace, network: network)
                    : try AgentEndpoint.parseList(list, flag: network == "host" ? "--agents" : "--pod-agents", defaultPort: AgentEndpoint.defaultPort(network: network))
                for endpoint in endpoints {
                    switch endpoint.snapshot(token: token, timeoutMilliseconds: Int(cluster.apiTimeout * 1000)) {
                    case .failure(let error):
                        input.gaps.append("\(network)-network agent \(endpoint.host):\(endpoint.port): \(error.description)")
                    case .success(let snapshot):
                        input.audited.append("\(network)-network agent \(snapshot.node) (\(endpoint.host):\(endpoint.port))")
                        if network == "host" {
                            input.nodeFacts.append(NodeFact(node: snapshot.node, interfaceMTU: snapshot.interfaceMTU, rpFilter: snapshot.host?.rpFilter,
                                                            tcpMTUProbing: snapshot.host?.tcpMTUProbing, source: "agent \(endpoint.host)"))
                            for status in snapshot.peers where !status.stale {
                                if let mtu = status.latest?.forward.pathMTU { input.paths.append(PathFact(from: snapshot.node, to: status.peer.name, pathMTU: mtu)) }
                            }
                        } else {
                            input.nodeFacts.append(NodeFact(node: snapshot.node, podMTU: snapshot.interfaceMTU, source: "pod agent \(endpoint.host)"))
                            for status in snapshot.peers where !status.stale {
                                if let mtu = status.latest?.forward.pathMTU { input.podPaths.append(PathFact(from: snapshot.node, to: status.peer.name, pathMTU: mtu)) }
                            }
                        }
                    }
                }
            }
            let report = KubeAuditor.audit(input)
            try output.emit(
                text: { KubeAuditText.render(report) },
                json: { JSONReport.render(report, command: "kube.audit") },
                document: { Documents.kubeAudit(report) })
            if report.verdict != "ok" { throw ExitCode(1) }
        }
    }

    struct Deploy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deploy the agents (pod- and host-network DaemonSets, headless Services, least-privilege RBAC) by server-side apply, or print them.",
            discussion: """
                Applies each object with server-side apply (field manager mtu-doctor) through the API, in order, and \
                says which were applied; a refused one (403) stops there with one line. The token Secret is created \
                separately (never written into the manifests). The same manifests, with the defaults, are committed \
                under deploy/.

                Examples:
                  kubectl -n mtu-doctor create secret generic mtu-doctor-token --from-literal=token=$(openssl rand -hex 16)
                  mtu-doctor kube deploy --image registry.example/mtu-doctor:0.1.0
                  mtu-doctor kube deploy --dry-run | kubectl apply -f -
                """)

        @Flag(help: "Print the YAML instead of applying it.")
        var dryRun = false

        @Option(help: "Namespace for the agents.")
        var namespace = "mtu-doctor"

        @Option(help: "Container image with mtu-doctor as its entry point.")
        var image = "mtu-doctor:\(BuildInfo.version)"

        @Option(help: "Seconds between rounds.")
        var interval = 60

        @Option(help: "Probe packets per second per agent.")
        var pps = 100

        @Option(help: "How the agents find each other: dns (headless Services) or kubernetes (their pods, through the API).")
        var discovery = "dns"

        @Option(help: "Networks the agents answer, CIDR, comma separated (default: the private ranges 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7; name the cluster's pod and node networks).")
        var allow: String?

        @OptionGroup var cluster: ClusterOptions

        func validate() throws {
            for network in (allow ?? "").split(separator: ",") where IPNetwork(String(network)) == nil {
                throw fail("--allow: '\(network)' is not a network such as 10.244.0.0/16 or fd00::/8")
            }
            guard namespace.range(of: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", options: .regularExpression) != nil else {
                throw fail("--namespace: '\(namespace)' is not a valid Kubernetes name")
            }
            guard (5...86400).contains(interval) else { throw fail("--interval must be 5–86400 s, got \(interval)") }
            guard (1...10000).contains(pps) else { throw fail("--pps must be 1–10000, got \(pps)") }
            guard ["dns", "kubernetes"].contains(discovery) else { throw fail("--discovery must be dns or kubernetes, got '\(discovery)'") }
        }

        func run() throws {
            var options = KubeManifests.Options()
            options.discovery = discovery
            options.namespace = namespace
            options.image = image
            options.interval = interval
            options.packetsPerSecond = pps
            if let allow { options.allow = allow.split(separator: ",").map(String.init) }
            let manifest = KubeManifests.render(options)
            if dryRun {
                print(manifest, terminator: "")
                return
            }
            let items: [KubeApply.Item]
            do { items = try KubeApply.plan(manifest) } catch { throw fail(error.description) }
            let client = try cluster.client()
            var applied: [String] = []
            for item in items {
                let outcome = KubeClient.result { () async throws(KubeAPIError) in try await client.apply(item.path, yaml: item.yaml) }
                let name = "\(item.kind) \(item.namespace.map { "\($0)/" } ?? "")\(item.name)"
                switch outcome {
                case .success: 
                    applied.append(name)
                    print("applied \(name)")
                case .failure(let error):
                    throw fail("\(name): \(error)\(applied.isEmpty ? "; nothing was applied" : "; applied before it: \(applied.count) of \(items.count)")", code: error.isFatal ? 3 : 1)
                }
            }
            print("\(applied.count) objects applied to \(client.target.server) (\(client.target.context)); create the token Secret if it does not exist yet:")
            print("  kubectl -n \(namespace) create secret generic \(options.tokenSecret) --from-literal=token=$(openssl rand -hex 16)")
        }
    }

    struct Mesh: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Gather every agent's results into the N×N directed matrix of path MTUs and group the broken pairs.",
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

        @Option(help: "Agents: [NAME=]HOST:PORT (or HOST: port 9464, 9465 with --network host), comma separated (default: their pods, through the API).")
        var peers: String?

        @Option(help: "The agents' shared token (or MTU_DOCTOR_TOKEN).")
        var token: String?

        @Option(help: "Per-agent HTTP timeout in milliseconds.")
        var timeout: Int = 3000

        @Option(help: "Which agents: pod (pod network) or host (node and TEP paths).")
        var network = "pod"

        @Option(help: "Without --peers: the agents' namespace.")
        var namespace = "mtu-doctor"

        @Option(help: "Without --peers: the node label the limited pairs are also grouped by.")
        var groupLabel = "topology.kubernetes.io/zone"

        @OptionGroup var cluster: ClusterOptions

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let peers { _ = try AgentEndpoint.parseList(peers, flag: "--peers", defaultPort: AgentEndpoint.defaultPort(network: "pod")) }
            guard ["pod", "host"].contains(network) else { throw fail("--network must be pod or host, got '\(network)'") }
            guard (100...60000).contains(timeout) else { throw fail("--timeout must be 100–60000 ms, got \(timeout)") }
        }

        func run() throws {
            let token = self.token ?? ProcessInfo.processInfo.environment["MTU_DOCTOR_TOKEN"] ?? ""
            var measurements: [MeshMeasurement] = []
            var unreachable: [String] = []
            // The agents: listed, or their pods through the API (one client, also for the nodes' labels below).
            let client = peers == nil ? try cluster.client() : nil
            let agents = try client.map { try AgentEndpoint.discover($0, namespace: namespace, network: network) }
                ?? AgentEndpoint.parseList(peers ?? "", flag: "--peers", defaultPort: AgentEndpoint.defaultPort(network: network))
            for agent in agents {
                let snapshot: AgentSnapshot
                switch agent.snapshot(token: token, timeoutMilliseconds: timeout) {
                case .success(let value): snapshot = value
                case .failure(let error):
                    unreachable.append(error.description)
                    continue
                }
                for status in snapshot.peers {
                    guard let latest = status.latest else { continue }
                    measurements.append(MeshMeasurement(
                        from: snapshot.node, fromAddress: agent.host, to: status.peer.name, toAddress: status.peer.address,
                        pathMTU: latest.forward.pathMTU, verdict: latest.forward.verdict, stale: status.stale, measuredBy: snapshot.node))
                    if latest.reverse.pathMTU != nil {
                        measurements.append(MeshMeasurement(
                            from: status.peer.name, fromAddress: status.peer.address, to: snapshot.node, toAddress: agent.host,
                            pathMTU: latest.reverse.pathMTU, verdict: latest.reverse.verdict, stale: status.stale, measuredBy: snapshot.node))
                    }
                }
            }
            // Found through the API: the nodes' labels (the zone) group the pairs too, when they can be read.
            var labels: [String: String] = [:]
            var labelNote: String?
            if let client {
                switch KubeClient.result({ () async throws(KubeAPIError) in try await client.list("/api/v1/nodes") }) {
                case .success(let nodes):
                    for node in nodes {
                        if let name = node[path: "metadata.name"].string, let value = node["metadata"]["labels"][groupLabel].string { labels[name] = value }
                    }
                case .failure(let error):
                    labelNote = "node labels not read (\(error))"
                }
            }
            let key = groupLabel.split(separator: "/").last.map(String.init) ?? groupLabel
            var report = MeshReport.build(measurements, labels: labels, labelKey: key)
            if let labelNote { report.summary += "; " + labelNote }
            if !unreachable.isEmpty {
                report.summary += "; agents not reached: " + unreachable.joined(separator: "; ")
                if report.verdict == "ok" { report.verdict = "incomplete" }
            }
            let final = report
            try output.emit(
                text: { MeshText.render(final) },
                json: { JSONReport.render(final, command: "kube.mesh") },
                document: { Documents.mesh(final) })
            if final.verdict != "ok" { throw ExitCode(1) }
        }
    }
}
