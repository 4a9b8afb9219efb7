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

        @OptionGroup var manifest: ManifestArguments

        @OptionGroup var cluster: ClusterOptions

        func run() async throws {
            let options = manifest.options
            let rendered = KubeManifests.render(options)
            if dryRun {
                print(rendered, terminator: "")
                return
            }
            let items: [KubeApply.Item]
            do { items = try KubeApply.plan(rendered) } catch { throw fail(error.description) }
            let client = try cluster.client()
            do throws(KubeApply.Failure) {
                try await KubeApply.apply(items, with: client) { print("applied \($0)") }
            } catch {
                throw fail(error.description, code: error.error.isFatal ? 3 : 1)
            }
            print(
                "\(items.count) objects applied to \(client.target.server) (\(client.target.context)); "
                    + "create the token Secret if it does not exist yet:")
            print(
                "  kubectl -n \(options.namespace) create secret generic \(options.tokenSecret) "
                    + "--from-literal=token=$(openssl rand -hex 16)")
        }
    }
}
