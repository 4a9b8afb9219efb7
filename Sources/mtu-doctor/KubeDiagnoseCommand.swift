import ArgumentParser
import Foundation
import MTUCore
import MTUKube

extension KubeCommand {
    /// `kube diagnose` (`kubectl mtu diagnose`): `diagnose` run inside a pod or on a node; the logic is
    /// MTUKube's RemoteDiagnosis.
    struct Diagnose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run diagnose from inside a pod (an ephemeral container) or on a node (a host-network pod).",
            discussion: """
                --pod NS/NAME adds an ephemeral container with the image and NET_RAW to that pod (the \
                pods/ephemeralcontainers subresource, as kubectl debug does), so the measurement starts in the pod's \
                own network namespace; the container stays listed in the pod, terminated (Kubernetes cannot remove \
                ephemeral containers). --node NAME creates a host-network pod on that node (root with NET_RAW, \
                NET_ADMIN, and SETUID/SETGID for tcpdump's --capture) for the underlay view and deletes it afterwards. The report streams back as it is \
                written; the exit code is diagnose's. RBAC: get pods, patch pods/ephemeralcontainers and get \
                pods/log (--pod); get nodes, create, get and delete pods, get pods/log (--node).

                Examples:
                  kubectl mtu diagnose --pod projectcontour/contour-7d9f https://10.96.0.1:443
                  kubectl mtu diagnose --node worker-3 10.0.4.17 -- --format markdown
                  (the same by hand: kubectl debug -it -n projectcontour contour-7d9f \
                --image=mtu-doctor:\(BuildInfo.version) --profile=netadmin -- mtu-doctor diagnose https://10.96.0.1:443)
                """
        )

        @Argument(help: "What to diagnose, as `mtu-doctor diagnose` takes it (an address, HOST:PORT or a URL).")
        var target: String

        @Option(help: "NAMESPACE/NAME (or NAME in the context's namespace): diagnose from inside this pod.")
        var pod: String?

        @Option(help: "Diagnose from this node's host network.")
        var node: String?

        @Option(help: "Container in the pod whose process namespace the ephemeral container joins (optional).")
        var targetContainer: String?

        @Option(help: "Namespace of --pod NAME, or for the --node pod (default: the context's).")
        var namespace: String?

        @Option(help: "Image with mtu-doctor as its entry point.")
        var image = "mtu-doctor:\(BuildInfo.version)"

        @Option(help: "Seconds the container may take to start (image pull, scheduling).")
        var startTimeout: Double = 120

        @Option(help: "Seconds the report may take once the container runs.")
        var runTimeout: Double = 600

        @OptionGroup var cluster: ClusterOptions

        @Argument(parsing: .postTerminator, help: "diagnose options, after --, e.g. -- --format json --reverse-tls.")
        var diagnoseOptions: [String] = []

        func validate() throws {
            guard (pod == nil) != (node == nil) else {
                throw ValidationError("give exactly one of --pod NS/NAME and --node NAME")
            }
            guard (1...3600).contains(startTimeout) else {
                throw ValidationError("--start-timeout must be 1–3600 s, got \(startTimeout)")
            }
            guard (1...86_400).contains(runTimeout) else {
                throw ValidationError("--run-timeout must be 1–86400 s, got \(runTimeout)")
            }
            for (flag, value) in [
                ("--pod", pod), ("--node", node), ("--namespace", namespace), ("--target-container", targetContainer),
            ] {
                guard let value else { continue }
                let name = "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?"
                let pattern = flag == "--pod" ? "^(\(name)/)?\(name)$" : "^\(name)$"
                guard value.range(of: pattern, options: .regularExpression) != nil else {
                    throw ValidationError("\(flag): '\(value)' is not a valid Kubernetes name")
                }
            }
            guard !image.isEmpty, !image.contains(where: \.isWhitespace) else {
                throw ValidationError("--image: '\(image)' is not an image reference")
            }
            if targetContainer != nil, node != nil { throw ValidationError("--target-container goes with --pod") }
            if let pod, let namespace, pod.contains("/"), !pod.hasPrefix(namespace + "/") {
                throw ValidationError("--namespace \(namespace) disagrees with --pod \(pod)")
            }
        }

        func run() async throws {
            let client = try cluster.client()
            let contextNamespace = client.target.namespace
            let place: RemoteDiagnosis.Place
            if let pod {
                let parts = pod.split(separator: "/").map(String.init)
                place = .pod(
                    namespace: parts.count == 2 ? parts[0] : namespace ?? contextNamespace, name: parts.last!,
                    targetContainer: targetContainer)
            } else {
                place = .node(name: node!, namespace: namespace ?? contextNamespace)
            }
            var remote = RemoteDiagnosis(place: place, image: image, arguments: ["diagnose", target] + diagnoseOptions)
            remote.startTimeoutSeconds = startTimeout
            remote.runTimeoutSeconds = runTimeout
            let request = remote
            let code: Int32
            do throws(RemoteDiagnosisError) {
                code = try await request.run(
                    client,
                    progress: { line in
                        var standardError = StandardError()
                        print("mtu-doctor: \(line)", to: &standardError)
                    },
                    output: { bytes in
                        _ = bytes.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
                    })
            } catch {
                // 3: the cluster would not run it (permissions, image, version); the diagnosis itself never ran.
                throw fail(error.description, code: 3)
            }
            if code != 0 { throw ExitCode(code) }
        }
    }
}
