import Foundation
import MTUCore
import MTULab
import MTUTestSupport
import Testing

/// Agents in a namespace mesh: four hosts in two subnets, a router between them whose routes carry 1500 while the
/// hosts carry 9000. Every agent measures every other; `kube mesh` must find the boundary; the metrics must pass
/// promtool and be scraped by a real Prometheus; faults must not turn into fresh "ok"s.
extension LabSuites {
    @Suite(
        "agents and kube mesh on a namespace mesh (root)", .serialized,
        .enabled(if: LabSupport.isRoot, "needs root to create network namespaces"))
    struct AgentLabTests {
        static let hosts = ["n1": "10.88.1.11", "n2": "10.88.1.12", "n3": "10.88.2.13", "n4": "10.88.2.14"]
        static let peers = hosts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        static let allow = "10.88.1.8/29,10.88.2.8/29"

        /// GET from inside a lab namespace; returns (status, body).
        static func get(_ truth: LabGroundTruth, from role: String, _ url: String, token: String? = nil) throws -> (
            Int, String
        ) {
            let script = """
                import sys, urllib.request, urllib.error
                request = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]} if sys.argv[2] else {})
                try:
                    r = urllib.request.urlopen(request, timeout=5); print(r.status); print(r.read().decode())
                except urllib.error.HTTPError as e:
                    print(e.code); print(e.read().decode())
                """
            let output = try LabSupport.inNamespace(
                truth.namespaces[role]!, ["python3", "-c", script, url, token ?? ""]
            ).1!
            let lines = output.stdout.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            return (Int(lines.first ?? "") ?? 0, lines.count > 1 ? String(lines[1]) : "")
        }

        static func startAgent(_ truth: LabGroundTruth, _ node: String, duration: Int = 90) throws -> Process {
            try LabSupport.inNamespace(
                truth.namespaces[node]!,
                [
                    LabSupport.binary, "agent", "--node", node, "--peers", peers, "--interval", "3", "--token", "lab",
                    "--allow", allow,
                    "--stale-after", "8", "--duration", String(duration),
                ], wait: false
            ).0
        }

        static func mesh(_ truth: LabGroundTruth, extra: [String] = []) throws -> (Int32, [String: Any]) {
            let agents = hosts.sorted { $0.key < $1.key }.map(\.value).joined(separator: ",")
            let output = try LabSupport.inNamespace(
                truth.namespaces["n1"]!,
                [LabSupport.binary, "kube", "mesh", "--peers", agents, "--token", "lab"]
                    + (extra.contains("--format") ? extra : ["--json"] + extra)
            ).1!
            let json = (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any] ?? [:]
            return (output.status, json)
        }

        static func waitReady(_ truth: LabGroundTruth) throws {
            for _ in 0..<100 {
                let ready = try hosts.values.allSatisfy {
                    try get(truth, from: "n1", "http://\($0):9464/readyz").0 == 200
                }
                if ready { return }
                Thread.sleep(forTimeInterval: 0.2)
            }
            throw LabError("agents not ready after 20 s")
        }

        /// A mesh lab with the four agents running and ready; they are killed afterwards, whatever happens.
        static func withMesh(_ body: (LabGroundTruth, inout [String: Process]) throws -> Void) throws {
            try LabSupport.withLab(.mesh, LabOptions(nodes: 4)) { truth in
                var agents: [String: Process] = [:]
                defer {
                    for process in agents.values { process.stop() }
                }
                for node in Self.hosts.keys { agents[node] = try Self.startAgent(truth, node) }
                try Self.waitReady(truth)
                try body(truth, &agents)
            }
        }

        /// The matrix and the boundary; later rounds re-check instead of searching again.
        @Test func meshFindsTheBoundary() throws {
            try Self.withMesh { truth, _ in
                // The matrix and the boundary.
                let (status, json) = try Self.mesh(truth)
                #expect(status == 1)
                #expect(json["verdict"] as? String == "degraded")
                let pairs = json["pairs"] as? [[String: Any]] ?? []
                #expect(pairs.count == 12)
                for pair in pairs {
                    let from = pair["from"] as? String ?? ""
                    let to = pair["to"] as? String ?? ""
                    let same = Self.hosts[from]!.hasPrefix("10.88.1.") == Self.hosts[to]!.hasPrefix("10.88.1.")
                    #expect(pair["pathMTU"] as? Int == (same ? 9000 : 1500), "\(from) → \(to): \(pair)")
                }
                let groups = json["groups"] as? [[String: Any]] ?? []
                #expect(groups.count == 1)
                #expect(
                    (groups.first?["description"] as? String)?.contains(
                        "10.88.1.0/24 ↔ 10.88.2.0/24 stop at 1500 in both directions") == true)
                let errors = try JSONSchema(file: "\(TestSupport.repositoryRoot)/docs/schema/kube.mesh.schema.json")
                    .validate(json)
                #expect(errors.isEmpty, "\(errors.prefix(5))")

                // Later rounds re-check the known boundaries with a few probes instead of searching again.
                var verified = false
                for _ in 0..<20 where !verified {
                    verified = try Self.get(truth, from: "n1", "http://10.88.1.11:9464/results", token: "lab").1
                        .contains("\"method\" : \"verified\"")
                    if !verified { Thread.sleep(forTimeInterval: 0.5) }
                }
                #expect(verified, "a second round re-checks instead of searching")

            }
        }

        /// The heat map, rendered in Chromium.
        @Test(
            .disabled(
                if: Chromium.executable == nil && !LabSupport.underCI,
                "chromium is not installed (apt-get install chromium)"
            ))
        func meshHeatMapRendersInChromium() throws {
            try Self.withMesh { truth, _ in
                // The heat map, rendered in Chromium.
                let html = NSTemporaryDirectory() + "mtud-mesh-\(getpid()).html"
                defer {
                    try? FileManager.default.removeItem(atPath: html)
                    try? FileManager.default.removeItem(atPath: html + ".png")
                }
                _ = try Self.mesh(truth, extra: ["--format", "html", "-o", html])
                let page = try Chromium.render(html, screenshot: html + ".png", width: 1000, height: 800)
                #expect(page.consoleErrors.isEmpty)
                #expect(
                    page.dom.contains("id=\"mesh-heatmap\"") && page.dom.contains("✘ 1500")
                        && page.dom.contains("data-verdict=\"degraded\""))
            }
        }

        /// The API: token, networks, health, metrics and host facts.
        @Test func agentAPIAndMetrics() throws {
            try Self.withMesh { truth, _ in
                // The API: token, networks, health.
                #expect(try Self.get(truth, from: "n1", "http://10.88.2.13:9464/metrics").0 == 401)
                #expect(try Self.get(truth, from: "n1", "http://10.88.2.13:9464/metrics?token=wrong").0 == 401)
                #expect(try Self.get(truth, from: "n1", "http://10.88.2.13:9464/healthz").0 == 200)
                #expect(
                    try Self.get(truth, from: "rt", "http://10.88.2.13:9464/results", token: "lab").0 == 403,
                    "the router's 10.88.2.1 is outside --allow")
                #expect(try Self.get(truth, from: "n1", "http://10.88.2.13:9464/nope", token: "lab").0 == 404)
                let (metricsStatus, metrics) = try Self.get(
                    truth, from: "n1", "http://10.88.2.13:9464/metrics", token: "lab")
                #expect(metricsStatus == 200)
                #expect(metrics.contains("mtu_doctor_path_mtu_bytes{from=\"n3\",to=\"n1\",direction=\"forward\"} 1500"))
                #expect(metrics.contains("mtu_doctor_path_mtu_bytes{from=\"n3\",to=\"n4\",direction=\"forward\"} 9000"))
                // Host facts: the interface toward the peers and its MTU, rp_filter, tcp_mtu_probing.
                let interfaceLine = metrics.split(separator: "\n").first {
                    $0.hasPrefix("mtu_doctor_interface_mtu_bytes{node=\"n3\"")
                }
                #expect(interfaceLine?.hasSuffix(" 9000.0") == true, "\(interfaceLine ?? "none")")
                #expect(metrics.contains("mtu_doctor_tcp_mtu_probing{node=\"n3\"}"))
                let results = try Self.get(truth, from: "n1", "http://10.88.2.13:9464/results", token: "lab").1
                let host =
                    ((try? JSONSerialization.jsonObject(with: Data(results.utf8))) as? [String: Any])?["host"]
                    as? [String: Any] ?? [:]
                #expect(host["interfaceMTU"] as? Int == 9000)
                #expect(host["rpFilter"] as? Int != nil && host["mssClampsKnown"] as? Bool == true)
            }
        }

        /// The exposition passes promtool's own check.
        @Test(
            .disabled(
                if: !FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") && !LabSupport.underCI,
                "promtool is not installed (apt-get install prometheus)"))
        func metricsPassPromtool() throws {
            try Self.withMesh { truth, _ in
                let metrics = try Self.get(truth, from: "n1", "http://10.88.2.13:9464/metrics", token: "lab").1
                let promtool = Process()
                promtool.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
                promtool.arguments = ["check", "metrics"]
                let input = Pipe()
                let output = Pipe()
                promtool.standardInput = input
                promtool.standardOutput = output
                promtool.standardError = output
                try promtool.run()
                input.fileHandleForWriting.write(Data(metrics.utf8))
                try input.fileHandleForWriting.close()
                promtool.waitUntilExit()
                let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                #expect(promtool.terminationStatus == 0, "promtool check metrics: \(said)")
            }
        }

        /// The same mesh with the agents found through the Kubernetes API (a stand-in API server inside n1's
        /// namespace lists their pods and the nodes' zones): the zone names the boundary too.
        @Test func meshThroughTheKubernetesAPI() throws {
            try Self.withMesh { truth, _ in
                let api = try APIServerFixture(
                    scenario: "mesh-lab", launcher: ["/usr/sbin/ip", "netns", "exec", truth.namespaces["n1"]!])
                let output = try LabSupport.inNamespace(
                    truth.namespaces["n1"]!,
                    [
                        LabSupport.binary, "kube", "mesh", "--kubeconfig", api.kubeconfig(), "--token", "lab",
                        "--json",
                    ]
                ).1!
                let json =
                    (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any] ?? [:]
                #expect((json["pairs"] as? [[String: Any]])?.count == 12, "\(output.stderr)")
                let groups = json["groups"] as? [[String: Any]] ?? []
                let zone = groups.first { $0["kind"] as? String == "label" }?["description"] as? String
                #expect(
                    zone?.hasPrefix("all 8 pairs between zone zone-a and zone-b stop at 1500") == true, "\(groups)")
                #expect(zone?.hasSuffix("pairs within a zone pass 9000: the boundary is between the zones") == true)
                #expect(api.requests.contains { $0.contains("/api/v1/nodes") })
            }
        }

        /// kube audit with the host agents' facts: Calico (operator) set 8950 for jumbo hosts, but the measured paths
        /// between the subnets carry 1500: the audit must say 1450 and print the patch.
        @Test func auditReadsTheAgentsFacts() throws {
            try Self.withMesh { truth, _ in
                let api = try APIServerFixture(
                    scenario: "calico-operator",
                    launcher: ["/usr/sbin/ip", "netns", "exec", truth.namespaces["n1"]!])
                let agents = Self.hosts.sorted { $0.key < $1.key }.map { "\($0.value):9464" }.joined(separator: ",")
                let output = try LabSupport.inNamespace(
                    truth.namespaces["n1"]!,
                    [
                        LabSupport.binary, "kube", "audit", "--kubeconfig", api.kubeconfig(), "--agents", agents,
                        "--token", "lab", "--json",
                    ]
                ).1!
                #expect(output.status == 1, "\(output.stderr)")
                let json =
                    (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any] ?? [:]
                #expect(
                    try JSONSchema(file: "\(TestSupport.repositoryRoot)/docs/schema/kube.audit.schema.json")
                        .validate(json).isEmpty)
                let underlay = json["underlay"] as? [String: Any] ?? [:]
                #expect(underlay["interfaceMTUMin"] as? Int == 9000, "from the agents: \(underlay)")
                #expect(underlay["pathMTUMin"] as? Int == 1500)
                #expect(json["expectedPodMTU"] as? Int == 1450)
                let ids = (json["findings"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(ids.first == "pod-mtu-too-large" && ids.contains("path-below-interfaces"), "\(ids)")
                let nodes = json["nodes"] as? [[String: Any]] ?? []
                #expect(
                    nodes.count == 4
                        && nodes.allSatisfy { $0["interfaceMTU"] as? Int == 9000 && $0["rpFilter"] != nil })
            }
        }

        /// Faults: an agent dies. Its own results are gone (reported), and nobody serves a stale "ok" as fresh; restarted,
        /// it catches up.
        @Test func aDeadAgentIsNeverServedFresh() throws {
            try Self.withMesh { truth, agents in
                // Faults: an agent dies. Its own results are gone (reported), and nobody serves a stale "ok" as fresh.
                agents["n4"]!.stop()
                Thread.sleep(forTimeInterval: 9)
                let (_, degraded) = try Self.mesh(truth)
                #expect((degraded["summary"] as? String)?.contains("agents not reached") == true)
                #expect(
                    ((degraded["missing"] as? Int) ?? 0) >= 3, "n4's own measurements are missing, not carried over")
                let fresh = (degraded["pairs"] as? [[String: Any]] ?? []).filter {
                    $0["from"] as? String == "n4" && ($0["stale"] as? Bool) == false
                        && $0["measuredBy"] as? String == "n4"
                }
                #expect(fresh.isEmpty)
                // Restarted, it catches up within a round.
                agents["n4"] = try Self.startAgent(truth, "n4")
                try Self.waitReady(truth)
                // Within a few rounds every pair is fresh again (the others measure n4's responder again).
                var recovered: [String: Any] = [:]
                for _ in 0..<15 {
                    recovered = try Self.mesh(truth).1
                    if recovered["missing"] as? Int == 0 { break }
                    Thread.sleep(forTimeInterval: 1)
                }
                #expect((recovered["pairs"] as? [[String: Any]])?.count == 12)
                #expect(recovered["missing"] as? Int == 0)
            }
        }

        /// A real Prometheus server (Debian's package) scrapes the four agents with the bearer token.
        @Test(
            .disabled(
                if: !FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") && !LabSupport.underCI,
                "prometheus is not installed (apt-get install prometheus)"))
        func prometheusScrapesTheAgents() throws {
            try LabSupport.withLab(.mesh, LabOptions(nodes: 4)) { truth in
                var agents: [Process] = []
                for node in Self.hosts.keys { agents.append(try Self.startAgent(truth, node)) }
                let directory = NSTemporaryDirectory() + "mtud-prometheus-\(getpid())"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let targets = Self.hosts.values.sorted().map { "'\($0):9464'" }.joined(separator: ", ")
                try """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: mtu-doctor
                    authorization:
                      credentials: lab
                    static_configs:
                      - targets: [\(targets)]
                """.write(toFile: "\(directory)/prometheus.yml", atomically: true, encoding: .utf8)
                let server = try LabSupport.inNamespace(
                    truth.namespaces["n1"]!,
                    [
                        "/usr/bin/prometheus", "--config.file=\(directory)/prometheus.yml",
                        "--storage.tsdb.path=\(directory)/data",
                        "--web.listen-address=127.0.0.1:9090",
                    ], wait: false
                ).0
                defer {
                    for process in agents + [server] { process.stop() }
                    try? FileManager.default.removeItem(atPath: directory)
                }
                try Self.waitReady(truth)
                var series = 0
                var body = ""
                for _ in 0..<60 {
                    Thread.sleep(forTimeInterval: 0.5)
                    body =
                        (try? Self.get(
                            truth, from: "n1", "http://127.0.0.1:9090/api/v1/query?query=mtu_doctor_path_mtu_bytes"
                        ).1) ?? ""
                    let json = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
                    series = ((json?["data"] as? [String: Any])?["result"] as? [Any])?.count ?? 0
                    if series >= 24 { break }
                }
                #expect(series == 24, "4 agents × 3 peers × 2 directions: \(body.prefix(300))")
                #expect(body.contains("\"1500\"") && body.contains("\"9000\""))
                let up = try Self.get(truth, from: "n1", "http://127.0.0.1:9090/api/v1/query?query=up").1
                #expect(!up.contains("\"0\""), "every target up: \(up.prefix(300))")
            }
        }

        /// Peers from the Kubernetes API: a stand-in API server inside n1's namespace lists the agent pods (n1 itself
        /// and n3); the agent finds n3 there and measures it. Then the API server goes away: the agent keeps measuring
        /// the last list, and says the list is stale in /results and /metrics.
        @Test func agentDiscoversPeersThroughTheAPIAndSurvivesItsLoss() throws {
            try LabSupport.withLab(.mesh, LabOptions(nodes: 4)) { truth in
                let api = try APIServerFixture(
                    scenario: "agents", launcher: ["/usr/sbin/ip", "netns", "exec", truth.namespaces["n1"]!])
                let kubeconfig = api.kubeconfig()
                let n3 = try Self.startAgent(truth, "n3")
                let n1 = try LabSupport.inNamespace(
                    truth.namespaces["n1"]!,
                    [
                        LabSupport.binary, "agent", "--node", "n1", "--kube-selector",
                        "app.kubernetes.io/component=mtu-doctor-agent-host",
                        "--kubeconfig", kubeconfig, "--api-timeout", "2", "--interval", "3", "--token", "lab",
                        "--allow", Self.allow, "--duration", "60",
                    ], wait: false
                ).0
                defer {
                    for process in [n1, n3] { process.stop() }
                }
                var results: [String: Any] = [:]
                for _ in 0..<60 {
                    Thread.sleep(forTimeInterval: 0.5)
                    let body =
                        (try? Self.get(truth, from: "n1", "http://10.88.1.11:9464/results", token: "lab").1) ?? ""
                    results = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
                    let peers = results["peers"] as? [[String: Any]] ?? []
                    if peers.contains(where: { $0["latest"] != nil }) { break }
                }
                let peers = results["peers"] as? [[String: Any]] ?? []
                #expect(
                    peers.map { ($0["peer"] as? [String: Any])?["name"] as? String } == ["n3"],
                    "itself left out, the pending pod too: \(peers)")
                let forward =
                    ((peers.first?["latest"] as? [String: Any])?["forward"] as? [String: Any])?["pathMTU"] as? Int
                #expect(forward == 1500, "n1 → n3 crosses the 1500 router")
                #expect((results["discovery"] as? [String: Any])?["stale"] as? Bool == false)
                #expect(
                    api.requests.contains {
                        $0.contains("labelSelector=app.kubernetes.io%2Fcomponent%3Dmtu-doctor-agent-host")
                    })

                api.stop()
                var metrics = ""
                for _ in 0..<40 {
                    Thread.sleep(forTimeInterval: 0.5)
                    metrics = (try? Self.get(truth, from: "n1", "http://10.88.1.11:9464/metrics", token: "lab").1) ?? ""
                    if metrics.contains("mtu_doctor_discovery_stale{node=\"n1\",source=\"kubernetes\"} 1") { break }
                }
                #expect(
                    metrics.contains("mtu_doctor_discovery_stale{node=\"n1\",source=\"kubernetes\"} 1"),
                    "\(metrics.prefix(400))")
                #expect(
                    metrics.contains("mtu_doctor_path_mtu_bytes{from=\"n1\",to=\"n3\",direction=\"forward\"} 1500"),
                    "the last list is still measured")
                let body = try Self.get(truth, from: "n1", "http://10.88.1.11:9464/results", token: "lab").1
                let after = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
                let discovery = after["discovery"] as? [String: Any] ?? [:]
                #expect((discovery["lastError"] as? String)?.contains("unreachable") == true, "\(discovery)")
                #expect((discovery["failures"] as? Int ?? 0) >= 1)
            }
        }
    }
}
