import Foundation
import MTUTestSupport
import Testing

/// `mtu-doctor kube audit|deploy|mesh` as a user runs them, against the stand-in API server.
@Suite("kube commands against the stand-in API server", .serialized)
struct KubeCLITests {
    /// Runs the binary with no KUBECONFIG from the environment unless given.
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> BinaryRun {
        var variables: [String: String?] = ["KUBECONFIG": nil]
        for (key, value) in environment { variables[key] = value }
        return try TestSupport.run(arguments, environment: variables)
    }

    /// Saved objects with no Node among them: --node-mtu still stands for every node (issue 12).
    @Test func nodeMTUWithoutNodeObjects() throws {
        let file = "Tests/MTUKubeTests/Fixtures/upstream/flannel-no-backend.yaml"
        let run = try run([
            "kube", "audit", "--from-file", file, "--node-mtu", "9000", "--underlay-mtu", "1500", "--json",
        ])
        #expect(run.status == 1)
        let json = run.json
        let underlay = json["underlay"] as? [String: Any] ?? [:]
        #expect(underlay["interfaceMTUMin"] as? Int == 9000, "\(run.stdout.prefix(400))")
        #expect((json["findings"] as? [[String: Any]])?.first?["id"] as? String == "auto-mtu-exceeds-path")
    }

    @Test func auditFindsTheWallAndPrintsTheFix() throws {
        let server = try APIServerFixture(scenario: "calico-operator")
        let kubeconfig = server.kubeconfig()
        let text = try run([
            "kube", "audit", "--kubeconfig", kubeconfig, "--node-mtu", "9000", "--underlay-mtu", "1500",
        ])
        #expect(text.status == 1, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("mtu-doctor kube audit: PROBLEMS — fixture (\(server.url))"))
        #expect(text.stdout.contains("CNI calico (operator): encapsulation vxlan, pod MTU 8950"))
        #expect(text.stdout.contains("[error] Pod MTU 8950 does not fit the underlay: at most 1450"))
        #expect(
            text.stdout.contains(
                #"$ kubectl patch installation default --type=merge -p '{"spec":{"calicoNetwork":{"mtu":1450}}}'"#))
        #expect(text.stdout.contains("Read: nodes (4); daemonsets, all namespaces (2)"))

        let json = try run(["kube", "audit", "--kubeconfig", kubeconfig, "--node-mtu", "9000", "--json"])
        #expect(json.status == 0, "9000-byte underlay: 8950 fits (\(json.stderr))")
        let errors = try JSONSchema(file: "\(TestSupport.repositoryRoot)/docs/schema/kube.audit.schema.json").validate(
            json.json)
        #expect(errors.isEmpty, "\(errors)")
        #expect(json.json["verdict"] as? String == "ok")
        #expect(json.json["expectedPodMTU"] as? Int == 8950)
        #expect((json.json["findings"] as? [[String: Any]])?.map { $0["id"] as? String } == ["mtu-settings-disagree"])

        let markdown = try run([
            "kube", "audit", "--kubeconfig", kubeconfig, "--underlay-mtu", "1500", "--format", "markdown",
        ])
        #expect(markdown.stdout.contains("## Pod MTU 8950 does not fit the underlay: at most 1450"))
    }

    @Test func contextsComeFromKUBECONFIG() throws {
        let server = try APIServerFixture(scenario: "flannel-ok")
        let good = server.kubeconfig(context: "lab")
        let result = try run(
            ["kube", "audit", "--context", "lab", "--node-mtu", "1500"], environment: ["KUBECONFIG": good])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("flannel pod MTU auto fits the underlay (at most 1450)"))
        let missing = try run(["kube", "audit", "--context", "prod"], environment: ["KUBECONFIG": good])
        #expect(missing.status == 2)
        #expect(missing.stderr == "mtu-doctor: error: --context: no context named 'prod' in \(good) (known: lab)\n")
    }

    @Test func badInputAndUnusableServersAreOneLine() throws {
        let directory = NSTemporaryDirectory() + "mtud-kcli-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broken = directory + "/broken"
        try "clusters:\n  - name: c\n    cluster:\n      insecure-skip-tls-verify: true\n".write(
            toFile: broken, atomically: true, encoding: .utf8)
        let bad = try run(["kube", "audit", "--kubeconfig", broken])
        #expect(bad.status == 2)
        #expect(bad.stderr == "mtu-doctor: error: \(broken):4: clusters[0].cluster: missing 'server'\n")
        let flag = try run(["kube", "audit", "--node-mtu", "jumbo"])
        #expect(flag.status == 2)
        #expect(flag.stderr.hasPrefix("mtu-doctor: error: --node-mtu: 'jumbo' is not MTU or NAME=MTU (576–65535)\n"))

        let server = try APIServerFixture(scenario: "flannel-ok")
        let refused = try run(["kube", "audit", "--kubeconfig", server.kubeconfig(user: "token: wrong")])
        #expect(refused.status == 3)
        #expect(
            refused.stderr.hasPrefix(
                "mtu-doctor: error: GET /api/v1/nodes: 401 Unauthorized (the credentials were refused): Unauthorized — nothing was audited"
            ))
        #expect(refused.stderr.split(separator: "\n").count == 1)
        server.stop()
        let gone = try run(["kube", "audit", "--kubeconfig", server.kubeconfig(), "--api-timeout", "2"])
        #expect(gone.status == 3)
        #expect(gone.stderr.hasPrefix("mtu-doctor: error: API server \(server.url) unreachable"), "\(gone.stderr)")
        #expect(gone.stderr.split(separator: "\n").count == 1)
    }

    @Test func savedObjectsAndTheirBadForms() throws {
        let directory = NSTemporaryDirectory() + "mtud-from-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func file(_ name: String, _ text: String) throws -> String {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
            return directory + "/" + name
        }
        let cases: [(String, String)] = [
            (
                try file("a.json", "{\"kind\": \"List\",\n \"items\": [1, }"),
                "a.json:2:15: not valid JSON: invalid value"
            ),
            (
                try file("b.yaml", "items:\n  - kind: Node\n    metadata: {name: a\n"),
                "b.yaml:4:1: (syntax): YAML syntax error: while parsing a flow mapping"
            ),
            (
                try file("c.yaml", "kind: Secret\nmetadata: {name: x}\n"),
                "c.yaml: no Node, DaemonSet, ConfigMap or Calico objects in it"
            ),
            (try file("d.yaml", "just a sentence\n"), "d.yaml: no Kubernetes objects in it"),
            (directory + "/missing.yaml", "--from-file \(directory)/missing.yaml: cannot read the file"),
        ]
        for (path, message) in cases {
            let result = try run(["kube", "audit", "--from-file", path])
            #expect(result.status == 2, "\(path)")
            #expect(
                result.stderr.hasPrefix("mtu-doctor: error: ") && result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
        // Auto MTU with no node MTU known: incomplete, never ok.
        let unknown = try run([
            "kube", "audit", "--from-file", "examples/kube/cilium-transit-gateway.yaml", "--underlay-mtu", "8500",
            "--json",
        ])
        #expect(unknown.status == 1)
        #expect(unknown.json["verdict"] as? String == "incomplete")
        #expect((unknown.json["findings"] as? [[String: Any]])?.first?["id"] as? String == "auto-mtu-unknown")
    }

    @Test func rbacGapsAreListedAndTheAuditGoesOn() throws {
        let server = try APIServerFixture(scenario: "rbac-limited")
        let result = try run([
            "kube", "audit", "--kubeconfig", server.kubeconfig(), "--api-timeout", "1.5", "--node-mtu", "1500",
        ])
        #expect(result.status == 1, "incomplete")
        #expect(result.stdout.hasPrefix("mtu-doctor kube audit: INCOMPLETE"))
        #expect(
            result.stdout.contains(
                "Not readable (the audit went on without them):\n  ✘ daemonsets, all namespaces: GET /apis/apps/v1/daemonsets: 403 Forbidden (RBAC)"
            ))
        #expect(result.stdout.contains("CNI calico (manifest): encapsulation ipip, pod MTU 1480"))
    }

    @Test func deployAppliesEveryObjectServerSide() throws {
        let server = try APIServerFixture(scenario: "agents")
        let result = try run(["kube", "deploy", "--kubeconfig", server.kubeconfig(), "--namespace", "mtu-lab"])
        #expect(result.status == 0, "\(result.stderr)")
        let patches = server.requests.filter { $0.hasPrefix("PATCH ") }
        let paths = patches.map { String($0.split(separator: " ")[1].split(separator: "?")[0]) }
        #expect(
            paths == [
                "/api/v1/namespaces/mtu-lab",
                "/api/v1/namespaces/mtu-lab/serviceaccounts/mtu-doctor-agent",
                "/apis/rbac.authorization.k8s.io/v1/namespaces/mtu-lab/roles/mtu-doctor-mesh-reader",
                "/apis/rbac.authorization.k8s.io/v1/namespaces/mtu-lab/rolebindings/mtu-doctor-mesh-reader",
                "/apis/rbac.authorization.k8s.io/v1/clusterroles/mtu-doctor-auditor",
                "/api/v1/namespaces/mtu-lab/services/mtu-doctor-agent-pod",
                "/apis/apps/v1/namespaces/mtu-lab/daemonsets/mtu-doctor-agent-pod",
                "/api/v1/namespaces/mtu-lab/services/mtu-doctor-agent-host",
                "/apis/apps/v1/namespaces/mtu-lab/daemonsets/mtu-doctor-agent-host",
            ])
        #expect(
            patches.allSatisfy {
                $0.contains("fieldManager=mtu-doctor&force=true") && $0.contains("type=application/apply-patch+yaml")
            })
        #expect(result.stdout.contains("applied DaemonSet mtu-lab/mtu-doctor-agent-host"))
        #expect(result.stdout.contains("9 objects applied to \(server.url) (fixture)"))
    }

    /// A refused object (RBAC, 403) stops the apply there with one line naming it and how far it got; exit 1, not 3:
    /// the server answered.
    @Test func deployStopsAtTheFirstRefusedObject() throws {
        let server = try APIServerFixture(scenario: "agents", routes: "deploy-forbidden.routes.json")
        let result = try run(["kube", "deploy", "--kubeconfig", server.kubeconfig(), "--namespace", "mtu-lab"])
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("mtu-doctor: error: ClusterRole mtu-doctor-auditor: "), "\(result.stderr)")
        #expect(result.stderr.contains("403"), "\(result.stderr)")
        #expect(result.stderr.hasSuffix("; applied before it: 4 of 9\n"), "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 4, "\(result.stdout)")
        #expect(server.requests.filter { $0.hasPrefix("PATCH ") }.count == 5, "nothing after the refused one")
    }

    @Test func meshWithoutPeersAsksTheAPIForTheAgents() throws {
        // No agent pods in this cluster: one line, exit 3 (the API answered 404 for the namespace's pods).
        let server = try APIServerFixture(scenario: "flannel-ok")
        let result = try run(["kube", "mesh", "--kubeconfig", server.kubeconfig()])
        #expect(result.status == 3)
        #expect(
            result.stderr
                == "mtu-doctor: error: finding the agents: GET /api/v1/namespaces/mtu-doctor/pods: 404 Not Found\n")
        #expect(
            server.requests.last?.contains("labelSelector=app.kubernetes.io%2Fcomponent%3Dmtu-doctor-agent-pod") == true
        )
    }
}
