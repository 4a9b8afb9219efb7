import ArgumentParser
import Foundation
import MTUCore
import MTUKube
import MTUSystem

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

        @OptionGroup var remote: RemoteDiagnosisArguments

        @OptionGroup var cluster: ClusterOptions

        @Argument(parsing: .postTerminator, help: "diagnose options, after --, e.g. -- --format json --reverse-tls.")
        var diagnoseOptions: [String] = []

        func run() async throws {
            let client = try cluster.client()
            let request = remote.remote(
                arguments: ["diagnose", target] + diagnoseOptions, contextNamespace: client.target.namespace)
            let code: Int32
            do throws(RemoteDiagnosisError) {
                code = try await request.run(
                    client,
                    progress: { line in
                        var standardError = StandardError()
                        print("mtu-doctor: \(line)", to: &standardError)
                    },
                    output: { bytes in
                        Syscall.writeAll(STDOUT_FILENO, bytes)
                    })
            } catch {
                // 3: the cluster would not run it (permissions, image, version); the diagnosis itself never ran.
                throw fail(error.description, code: 3)
            }
            if code != 0 { throw ExitCode(code) }
        }
    }
}
