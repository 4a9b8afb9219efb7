import ArgumentParser
import Foundation
import MTUAgent
import MTUCore
import MTUKube
import MTUReport

extension KubeCommand {
    struct Deploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Deploy the agents (pod- and host-network DaemonSets, headless Services, least-privilege RBAC) by server-side apply, or print them.",
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

        @Option(
            help: "How the agents find each other: dns (headless Services) or kubernetes (their pods, through the API)."
        )
        var discovery = "dns"

        @Option(
            help:
                "Networks the agents answer, CIDR, comma separated (default: the private ranges 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7; name the cluster's pod and node networks)."
        )
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
            guard ["dns", "kubernetes"].contains(discovery) else {
                throw fail("--discovery must be dns or kubernetes, got '\(discovery)'")
            }
        }

        func run() async throws {
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
                let name = "\(item.kind) \(item.namespace.map { "\($0)/" } ?? "")\(item.name)"
                do throws(KubeAPIError) {
                    try await client.apply(item.path, yaml: item.yaml)
                    applied.append(name)
                    print("applied \(name)")
                } catch {
                    throw fail(
                        "\(name): \(error)\(applied.isEmpty ? "; nothing was applied" : "; applied before it: \(applied.count) of \(items.count)")",
                        code: error.isFatal ? 3 : 1)
                }
            }
            print(
                "\(applied.count) objects applied to \(client.target.server) (\(client.target.context)); create the token Secret if it does not exist yet:"
            )
            print(
                "  kubectl -n \(namespace) create secret generic \(options.tokenSecret) --from-literal=token=$(openssl rand -hex 16)"
            )
        }
    }
}
