import Foundation
import MTUCore
import MTUKube
import MTUTestSupport
import Testing

/// `kube diagnose --pod/--node` against the stand-in API server: the requests kubectl debug would make (an ephemeral
/// container by strategic merge patch, a host-network pod on the node), the report streamed back with diagnose's exit
/// code, and one clear line for every way a cluster refuses (RBAC, image pull, too old, not running, unschedulable).
/// Scenario objects: Tests/MTUKubeTests/Fixtures/debug (core/v1 Pod, ContainerStatus, meta/v1 Status).
@Suite("kube diagnose against the stand-in API server", .serialized)
struct KubeDiagnoseTests {
    static let pod = "/api/v1/namespaces/projectcontour/pods/contour-7d9f"

    func diagnose(_ routes: String, _ arguments: [String]) throws -> (BinaryRun, APIServerFixture) {
        let server = try APIServerFixture(scenario: "debug", routes: routes + ".routes.json")
        let run = try TestSupport.run(
            [
                "kube", "diagnose", "--kubeconfig", server.kubeconfig(), "--start-timeout", "5", "--image",
                "registry.example/mtu-doctor:0.1.0",
            ] + arguments,
            environment: ["KUBECONFIG": nil])
        return (run, server)
    }

    func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func podGetsAnEphemeralContainerAndTheReportStreamsBack() throws {
        let (run, server) = try diagnose(
            "pod-ok", ["https://10.96.0.1:443", "--pod", "projectcontour/contour-7d9f", "--", "--reverse-tls"])
        #expect(run.status == 1, "diagnose's own exit code (1: a problem found): \(run.stderr)")
        #expect(run.stdout.hasPrefix("BLACK HOLE  https://10.96.0.1:443 from pod projectcontour/contour-7d9f\n"))
        #expect(run.stdout.contains("  fix       raise the wall"))
        #expect(run.stderr.contains("adding ephemeral container mtu-doctor-"))
        let patches = server.bodies.filter { $0.method == "PATCH" }
        try #require(patches.count == 1, "\(server.requests)")
        #expect(patches[0].path == Self.pod + "/ephemeralcontainers")
        #expect(
            server.requests.contains {
                $0.hasPrefix("PATCH \(Self.pod)/ephemeralcontainers ")
                    && $0.contains("type=application/strategic-merge-patch+json")
            })
        let containers =
            (object(patches[0].body)["spec"] as? [String: Any])?["ephemeralContainers"] as? [[String: Any]] ?? []
        try #require(containers.count == 1)
        let container = containers[0]
        let name = container["name"] as? String ?? ""
        #expect(name.range(of: "^mtu-doctor-[a-z0-9]{5}$", options: .regularExpression) != nil, "\(name)")
        #expect(container["image"] as? String == "registry.example/mtu-doctor:0.1.0")
        #expect(container["args"] as? [String] == ["diagnose", "https://10.96.0.1:443", "--reverse-tls"])
        let security = container["securityContext"] as? [String: Any] ?? [:]
        #expect(security["runAsUser"] as? Int == 65532 && security["runAsNonRoot"] as? Bool == true)
        #expect((security["capabilities"] as? [String: Any])?["add"] as? [String] == ["NET_RAW"])
        #expect(container["targetContainerName"] == nil)
        // Waited through ContainerCreating, then followed the log of exactly that container.
        #expect(
            server.requests.contains { $0.hasPrefix("GET \(Self.pod)/log?container=\(name)&follow=true ") },
            "\(server.requests)")
        #expect(run.stderr.contains("waiting: ContainerCreating"))
        #expect(!server.requests.contains { $0.hasPrefix("DELETE") }, "a pod that is not ours is never deleted")
    }

    @Test func targetContainerJoinsItsProcessNamespace() throws {
        let (run, _) = try diagnose(
            "pod-ok", ["10.96.0.1", "--pod", "projectcontour/contour-7d9f", "--namespace", "x"])
        #expect(
            run.status == 2 && run.stderr.contains("--namespace x disagrees with --pod projectcontour/contour-7d9f"),
            "\(run.stderr)")
        let (ok, okServer) = try diagnose(
            "pod-ok",
            ["10.96.0.1", "--pod", "contour-7d9f", "--namespace", "projectcontour", "--target-container", "contour"])
        #expect(ok.status == 1, "\(ok.stderr)")
        let body = object(okServer.bodies.first { $0.method == "PATCH" }?.body ?? "")
        let container = ((body["spec"] as? [String: Any])?["ephemeralContainers"] as? [[String: Any]])?.first ?? [:]
        #expect(container["targetContainerName"] as? String == "contour")
    }

    @Test func nodeGetsAHostNetworkPodThatIsDeletedAfterwards() throws {
        let (run, server) = try diagnose("node-ok", ["10.0.4.17", "--node", "worker-3", "--namespace", "mtu-doctor"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("forward   path MTU 1450  blackhole"))
        let posts = server.bodies.filter { $0.method == "POST" }
        try #require(posts.count == 1)
        #expect(posts[0].path == "/api/v1/namespaces/mtu-doctor/pods")
        let pod = object(posts[0].body)
        let metadata = pod["metadata"] as? [String: Any] ?? [:]
        let name = metadata["name"] as? String ?? ""
        #expect(name.range(of: "^mtu-doctor-worker-3-[a-z0-9]{5}$", options: .regularExpression) != nil, "\(name)")
        let spec = pod["spec"] as? [String: Any] ?? [:]
        #expect(spec["nodeName"] as? String == "worker-3")
        #expect(spec["hostNetwork"] as? Bool == true)
        #expect(spec["restartPolicy"] as? String == "Never")
        #expect(spec["tolerations"] as? [[String: String]] == [["operator": "Exists"]])
        let container = (spec["containers"] as? [[String: Any]])?.first ?? [:]
        #expect(container["args"] as? [String] == ["diagnose", "10.0.4.17"])
        let capabilities = (container["securityContext"] as? [String: Any])?["capabilities"] as? [String: Any]
        #expect(capabilities?["add"] as? [String] == ["NET_RAW", "NET_ADMIN", "SETUID", "SETGID"])
        #expect((container["securityContext"] as? [String: Any])?["runAsUser"] as? Int == 0)
        #expect(
            server.requests.last?.hasPrefix("DELETE /api/v1/namespaces/mtu-doctor/pods/\(name) ") == true,
            "\(server.requests)")
        #expect(run.stderr.contains("deleted pod mtu-doctor/\(name)"))
    }

    /// Every refusal: exit 3, one line on stderr that names what is wrong and what to do, no report.
    @Test(arguments: [
        (
            "pod-forbidden", ["--pod", "projectcontour/contour-7d9f"],
            "RBAC forbids it: `patch` on pods/ephemeralcontainers in namespace projectcontour is needed (kubectl auth can-i patch pods/ephemeralcontainers -n projectcontour)"
        ),
        (
            "pod-old-cluster", ["--pod", "projectcontour/contour-7d9f"],
            "this cluster does not serve ephemeral containers (pods/ephemeralcontainers answered 404 for projectcontour/contour-7d9f, which exists): the API server is v1.22.17"
        ),
        (
            "pod-image-pull", ["--pod", "projectcontour/contour-7d9f"],
            "the image registry.example/mtu-doctor:0.1.0 cannot be pulled (ErrImagePull: rpc error"
        ),
        (
            "pod-image-backoff", ["--pod", "projectcontour/contour-7d9f"],
            "cannot be pulled (ImagePullBackOff: Back-off pulling image"
        ),
        (
            "pod-cannot-start", ["--pod", "projectcontour/contour-7d9f"],
            "the container could not start (CreateContainerError: failed to create containerd container: "
        ),
        (
            "pod-pending", ["--pod", "projectcontour/contour-7d9f"],
            "pod projectcontour/contour-7d9f is Pending, not Running"
        ),
        ("pod-missing", ["--pod", "projectcontour/contour-7d9f"], "pod projectcontour/contour-7d9f not found"),
        (
            "pod-slow", ["--pod", "projectcontour/contour-7d9f", "--start-timeout", "2"],
            "the container did not start within 2 s (last state: waiting, ContainerCreating)"
        ),
        (
            "pod-log-forbidden", ["--pod", "projectcontour/contour-7d9f"],
            "RBAC forbids it: `get` on pods/log in namespace projectcontour"
        ),
        (
            "node-forbidden", ["--node", "worker-3", "--namespace", "mtu-doctor"],
            "RBAC forbids it: `create` on pods in namespace mtu-doctor"
        ),
        ("node-missing", ["--node", "worker-3"], "node worker-3 not found"),
        (
            "pod-killed", ["--pod", "projectcontour/contour-7d9f"],
            "the diagnose container was killed before it finished (OOMKilled, exit 137, signal 9): the report above is incomplete"
        ),
        (
            "node-unschedulable", ["--node", "worker-3", "--namespace", "mtu-doctor"],
            "cannot be scheduled on the node: 0/4 nodes are available: 1 node(s) were unschedulable"
        ),
    ])
    func refusalsAreOneLine(routes: String, place: [String], message: String) throws {
        let (run, server) = try diagnose(routes, ["https://10.96.0.1:443"] + place)
        #expect(run.status == 3, "\(routes): \(run.stderr)")
        #expect(run.stdout.isEmpty || routes == "pod-killed", "no report, or an incomplete one said to be incomplete")
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("mtu-doctor: error: ") }
        #expect(errors.count == 1 && errors[0].contains(message), "\(routes): \(run.stderr)")
        #expect(!run.stderr.contains("\u{1B}"), "server text is sanitized")
        if routes == "node-unschedulable" {
            #expect(
                server.requests.contains {
                    $0.hasPrefix("DELETE /api/v1/namespaces/mtu-doctor/pods/mtu-doctor-worker-3-")
                }, "the pod it created is removed")
        }
    }

    @Test func badFlagsAreUsageErrors() throws {
        for (arguments, message) in [
            (["10.0.0.1"], "give exactly one of --pod NS/NAME and --node NAME"),
            (["10.0.0.1", "--pod", "a/b", "--node", "n"], "give exactly one of --pod NS/NAME and --node NAME"),
            (["10.0.0.1", "--pod", "Bad_Name"], "--pod: 'Bad_Name' is not a valid Kubernetes name"),
            (["10.0.0.1", "--node", "n", "--start-timeout", "0"], "--start-timeout must be 1–3600 s"),
            (["10.0.0.1", "--node", "n", "--image", "a b"], "--image: 'a b' is not an image reference"),
        ] {
            let run = try TestSupport.run(["kube", "diagnose"] + arguments, environment: ["KUBECONFIG": nil])
            #expect(
                run.status == 2 && run.stderr.hasPrefix("mtu-doctor: error: \(message)"), "\(arguments): \(run.stderr)")
        }
    }

    /// Where to run, from the flags, without the binary: every problem named in the flag's words, bare names placed
    /// in the context's namespace, and a namespace that contradicts NS/NAME refused.
    @Test func placeRequests() {
        typealias Request = RemoteDiagnosis.PlaceRequest
        let problems: [(Request, String?)] = [
            (Request(pod: nil, node: nil, namespace: nil, targetContainer: nil), "give exactly one of"),
            (Request(pod: "a", node: "n", namespace: nil, targetContainer: nil), "give exactly one of"),
            (Request(pod: "ns/Bad_Name", node: nil, namespace: nil, targetContainer: nil), "--pod: 'ns/Bad_Name'"),
            (Request(pod: "a/b/c", node: nil, namespace: nil, targetContainer: nil), "--pod: 'a/b/c'"),
            (Request(pod: nil, node: "-n", namespace: nil, targetContainer: nil), "--node: '-n'"),
            (Request(pod: "p", node: nil, namespace: "NS", targetContainer: nil), "--namespace: 'NS'"),
            (Request(pod: "p", node: nil, namespace: nil, targetContainer: "c_1"), "--target-container: 'c_1'"),
            (Request(pod: nil, node: "n", namespace: nil, targetContainer: "c"), "--target-container goes with --pod"),
            (Request(pod: "a/p", node: nil, namespace: "b", targetContainer: nil), "--namespace b disagrees"),
            (Request(pod: "a/p", node: nil, namespace: "a", targetContainer: "c"), nil),
            (Request(pod: nil, node: "worker-3.example", namespace: nil, targetContainer: nil), nil),
        ]
        for (request, problem) in problems {
            if let problem {
                #expect(request.problem?.hasPrefix(problem) == true, "\(request): \(request.problem ?? "no problem")")
            } else {
                #expect(request.problem == nil, "\(request)")
            }
        }
        #expect(
            Request(pod: "p", node: nil, namespace: nil, targetContainer: "c").place(contextNamespace: "ctx")
                == .pod(namespace: "ctx", name: "p", targetContainer: "c"))
        #expect(
            Request(pod: "a/p", node: nil, namespace: nil, targetContainer: nil).place(contextNamespace: "ctx")
                == .pod(namespace: "a", name: "p", targetContainer: nil))
        #expect(
            Request(pod: nil, node: "n", namespace: "tools", targetContainer: nil).place(contextNamespace: "ctx")
                == .node(name: "n", namespace: "tools"))
        #expect(RemoteDiagnosis.isImageReference("registry.example/mtu-doctor:0.1.0"))
        #expect(!RemoteDiagnosis.isImageReference("") && !RemoteDiagnosis.isImageReference("a b"))
    }

    /// The pure parts: the patch's shape, the status reading, names.
    @Test func requestShapesAndStates() {
        let remote = RemoteDiagnosis(
            place: .node(name: "Worker_3.example", namespace: "default"), image: "i", arguments: ["diagnose", "x"])
        #expect(
            remote.name.range(of: "^mtu-doctor-worker-3-example-[a-z0-9]{5}$", options: .regularExpression) != nil,
            "\(remote.name)")
        let long = RemoteDiagnosis(
            place: .node(name: String(repeating: "n", count: 200), namespace: "default"), image: "i", arguments: [])
        #expect(long.name.count <= 63)
        let pod = JSONValue.parse(
            Array(
                #"{"status":{"ephemeralContainerStatuses":[{"name":"a","state":{"terminated":{"exitCode":77,"reason":"Error"}}}],"containerStatuses":[{"name":"b","state":{"waiting":{"reason":"ErrImagePull","message":"x\u001b[0m"}}}]}}"#
                    .utf8))!
        #expect(RemoteContainerState.of("a", in: pod) == .terminated(exitCode: 77, reason: "Error"))
        #expect(RemoteContainerState.of("b", in: pod) == .waiting(reason: "ErrImagePull", message: "x?[0m"))
        #expect(RemoteContainerState.of("c", in: pod) == .absent)
    }
}
